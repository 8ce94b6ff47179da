import { join } from 'node:path';
import { BundleError, type CachedBuildOptions, cachedBuild, PROJECT_ROOT } from './bundle-cache';
import { RUNBOOK_STEPS } from './runbook-steps';

/** The runbook's handlers, one file per step. */
export const LAMBDA_DIR = join(PROJECT_ROOT, 'lambda');

/** The file each step's asset holds, and the functions' handler: its export `handler`. */
export const RUNBOOK_HANDLER_FILE = 'index.js';
export const RUNBOOK_HANDLER = 'index.handler';

/**
 * How the ten steps are bundled, in one esbuild run with one entry point per step (esbuild builds them in
 * parallel and reads each shared module once): minified CommonJS for Node.js 24, the AWS SDK inside, taken from
 * its ES module builds, which tree-shake to about two thirds of the CommonJS ones (`npm run bench:lambda`). The
 * SDK goes into the bundle so that the version tested here is the version that runs. `npm run bench:lambda`
 * measures exactly these bundles.
 */
export const RUNBOOK_BUNDLE_OPTIONS: CachedBuildOptions = {
  entryPoints: Object.fromEntries(RUNBOOK_STEPS.map((step) => [`${step}/index`, join(LAMBDA_DIR, `${step}.ts`)])),
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  minify: true,
  mainFields: ['module', 'main'],
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'silent',
};

/** The directory holding `<step>/index.js` for every step: built, or taken from the bundle cache. */
export function runbookBundleDir(): string {
  try {
    return cachedBuild('runbook', RUNBOOK_BUNDLE_OPTIONS);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new BundleError(`FailoverRunbook: bundling the steps from ${LAMBDA_DIR} failed: ${reason}`, {
      cause: error,
    });
  }
}
