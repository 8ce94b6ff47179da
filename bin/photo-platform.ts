#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BundleError } from '../lib/bundle-cache';
import { ConfigError } from '../lib/config/errors';
import { loadConfig } from '../lib/config/load';
import type { PlatformConfig } from '../lib/config/types';
import { acknowledgeNagFindings } from '../lib/nag-acknowledgements';
import { createPlatform } from '../lib/platform';

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
