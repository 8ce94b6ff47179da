/**
 * PLACEHOLDER bundler, written on the `fleet` branch so that `lib/service-bundle.ts` can build its
 * asset; the service helper's `app/bundle.ts` (issue 3) replaces this file at merge and must keep
 * this signature.
 */

import { join } from 'node:path';
import { buildSync } from 'esbuild';

/** Bundles the service into one file, `outputDir/server.js`, that plain `node` runs. */
export function buildServiceBundleSync(outputDir: string): void {
  buildSync({
    entryPoints: [join(__dirname, 'src', 'main.ts')],
    outfile: join(outputDir, 'server.js'),
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: false,
    logLevel: 'silent',
  });
}
