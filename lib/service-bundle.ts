import { join } from 'node:path';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { SERVICE_BUNDLE_FILE, SERVICE_BUNDLE_OPTIONS } from '../app/bundle';
import { type BuildRequest, BundleError, BundleSettingError, cachedBuild, PROJECT_ROOT } from './bundle-cache';

/** The directory holding the service's sources and its bundler. */
export const SERVICE_SOURCE_DIR = join(PROJECT_ROOT, 'app');

/** The service's build, as the bundle cache knows it. */
export const SERVICE_BUILD: BuildRequest = { name: 'service', options: SERVICE_BUNDLE_OPTIONS };

/** Properties of {@link ServiceBundle}. */
export interface ServiceBundleProps {
  /**
   * Returns the directory holding the built `server.js`. Tests pass a failing builder to check the error.
   *
   * @default - esbuild with `SERVICE_BUNDLE_OPTIONS` of `app/bundle.ts`, through the bundle cache
   */
  readonly build?: () => string;
}

/**
 * The API service bundled by esbuild into one file, `server.js`, that plain `node` runs, staged as a
 * single-file S3 asset (its key ends in `.js`) for the fleet's user data to download. The asset hash is the
 * bundle's content, so a dependency upgrade in package-lock.json that changes the bundle changes the asset.
 *
 * Bundling runs here with the local esbuild, never in Docker, and is reused from the bundle cache while no
 * input changed (`lib/bundle-cache.ts`).
 */
export class ServiceBundle extends Construct {
  readonly asset: s3assets.Asset;

  constructor(scope: Construct, id: string, props: ServiceBundleProps = {}) {
    super(scope, id);
    const build = props.build ?? (() => cachedBuild(SERVICE_BUILD.name, SERVICE_BUILD.options));
    let dir: string;
    try {
      dir = build();
    } catch (error) {
      if (error instanceof BundleSettingError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new BundleError(`ServiceBundle: bundling the service from ${SERVICE_SOURCE_DIR} failed: ${reason}`, {
        cause: error,
      });
    }
    this.asset = new s3assets.Asset(this, 'Asset', { path: join(dir, SERVICE_BUNDLE_FILE) });
  }
}
