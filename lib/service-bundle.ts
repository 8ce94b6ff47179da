import { join } from 'node:path';
import { AssetHashType, BundlingOutput, DockerImage } from 'aws-cdk-lib';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { buildServiceBundleSync } from '../app/bundle';

/** The directory holding the service's sources and its bundler. */
export const SERVICE_SOURCE_DIR = join(__dirname, '..', 'app');

/** Properties of {@link ServiceBundle}. */
export interface ServiceBundleProps {
  /**
   * Builds `outputDir/server.js`. Tests pass a failing builder to check the error.
   *
   * @default - `buildServiceBundleSync` of `app/bundle.ts` (esbuild)
   */
  readonly build?: (outputDir: string) => void;
}

/**
 * The API service bundled by esbuild into one file, `server.js`, that plain `node` runs, staged as
 * an S3 asset for the fleet's user data to download.
 *
 * Bundling always runs locally (esbuild from devDependencies), never in Docker: the image is a
 * placeholder that is never pulled because the local bundler either succeeds or throws.
 */
export class ServiceBundle extends Construct {
  readonly asset: s3assets.Asset;

  constructor(scope: Construct, id: string, props: ServiceBundleProps = {}) {
    super(scope, id);
    const build = props.build ?? buildServiceBundleSync;

    this.asset = new s3assets.Asset(this, 'Asset', {
      path: SERVICE_SOURCE_DIR,
      // Hash the bundle, not the sources: a dependency upgrade in package-lock.json changes the
      // bundle without touching app/.
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        image: DockerImage.fromRegistry('local-bundling-only'),
        outputType: BundlingOutput.SINGLE_FILE,
        local: {
          tryBundle(outputDir: string): boolean {
            try {
              build(outputDir);
            } catch (error) {
              const reason = error instanceof Error ? error.message : String(error);
              throw new Error(`ServiceBundle: bundling the service from ${SERVICE_SOURCE_DIR} failed: ${reason}`, {
                cause: error,
              });
            }
            return true;
          },
        },
      },
    });
  }
}
