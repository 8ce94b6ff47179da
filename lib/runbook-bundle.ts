import { join } from 'node:path';
import {
  type BuildRequest,
  BundleError,
  BundleSettingError,
  type CachedBuildOptions,
  cachedBuild,
  PROJECT_ROOT,
} from './bundle-cache';
import { RUNBOOK_STEPS, type RunbookStep } from './runbook-steps';

/** The runbook's handlers, one file per step. */
export const LAMBDA_DIR = join(PROJECT_ROOT, 'lambda');

/** Each step's entry point in the bundle is `<step>/index`. */
const ENTRY = 'index';

/** The file in each step's directory of the bundle (`<step>/index.mjs`) that exports the step's `handler`. */
export const RUNBOOK_HANDLER_FILE = `${ENTRY}.mjs`;

/** A step function's handler: the export `handler` of its entry (Lambda finds `<step>/index.mjs` itself). */
export function runbookHandler(step: RunbookStep): string {
  return `${step}/${ENTRY}.handler`;
}

/**
 * How the ten steps are bundled, in one esbuild run with one entry point per step: minified ES modules for
 * Node.js 24, the AWS SDK inside, taken from its ES module builds, which tree-shake to about two thirds of the
 * CommonJS ones. With code splitting, what two or more steps import (the SDK's core, the logger, `lambda/shared/`)
 * goes into chunks beside the entries, once: about 810 KiB for all ten steps, where a bundle per step repeated the
 * SDK in each (about 6 MB), and esbuild writes it in about a third of the time. Every step function ships the
 * whole directory, one asset, and loads only its own entry and the chunks that entry imports. The SDK goes into
 * the bundle so that the version tested here is the version that runs. `npm run bench:lambda` measures exactly
 * this bundle.
 *
 * No `createRequire` banner: every module bundled is an ES module and imports the Node.js builtins with `import`,
 * so esbuild emits no `__require` shim (which throws "Dynamic require of ... is not supported" in an ES module);
 * `test/runbook.test.ts` checks that the output holds none.
 */
export const RUNBOOK_BUNDLE_OPTIONS: CachedBuildOptions = {
  entryPoints: Object.fromEntries(RUNBOOK_STEPS.map((step) => [`${step}/${ENTRY}`, join(LAMBDA_DIR, `${step}.ts`)])),
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  splitting: true,
  outExtension: { '.js': '.mjs' },
  minify: true,
  mainFields: ['module', 'main'],
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'silent',
};

/** The runbook's build, as the bundle cache knows it. */
export const RUNBOOK_BUILD: BuildRequest = { name: 'runbook', options: RUNBOOK_BUNDLE_OPTIONS };

/**
 * The directory every step function ships: `<step>/index.mjs` for every step and the chunks they share. Built,
 * or taken from the bundle cache.
 */
export function runbookBundleDir(): string {
  try {
    return cachedBuild(RUNBOOK_BUILD.name, RUNBOOK_BUILD.options);
  } catch (error) {
    if (error instanceof BundleSettingError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new BundleError(`FailoverRunbook: bundling the steps from ${LAMBDA_DIR} failed: ${reason}`, {
      cause: error,
    });
  }
}
