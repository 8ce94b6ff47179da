import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BundleError } from './bundle-cache';
import { ConfigError } from './config/errors';
import { loadConfig } from './config/load';
import type { PlatformConfig } from './config/types';
import { acknowledgeNagFindings } from './nag-acknowledgements';
import { createPlatform } from './platform';

/**
 * The CDK app `cdk synth` runs: the deployment of the configuration in the context, checked by cdk-nag's
 * AwsSolutions pack with the reviewed acknowledgements. A configuration or bundle error stops it with its
 * message alone, exit code 1; CDK synthesizes the app when the process ends.
 */
export function runApp(): void {
  const app = new App();

  let config: PlatformConfig;
  try {
    config = loadConfig((key) => app.node.tryGetContext(key));
    createPlatform(app, config);
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof BundleError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }

  acknowledgeNagFindings(app, config);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
