import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

/** Name of the single file the bundle writes; the fleet runs `node server.js`. */
export const SERVICE_BUNDLE_FILE = 'server.js';

/**
 * Bundles the service (`app/src/main.ts`) with every dependency into `outputDir/server.js`: CommonJS for
 * Node 20, minified, so that it runs with plain `node server.js` and no node_modules. Synchronous, because the
 * fleet's CDK asset calls it from local bundling.
 */
export function buildServiceBundleSync(outputDir: string): void {
  if (outputDir.trim() === '') throw new Error('buildServiceBundleSync: outputDir must be a directory path, got ""');
  mkdirSync(outputDir, { recursive: true });
  const result = buildSync({
    entryPoints: [join(__dirname, 'src', 'main.ts')],
    outfile: join(outputDir, SERVICE_BUNDLE_FILE),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    // pg loads its optional native binding only when asked (never here); the rest is bundled.
    external: ['pg-native'],
    logLevel: 'silent',
  });
  if (result.errors.length > 0) {
    throw new Error(`service bundle failed: ${result.errors.map((e) => e.text).join('; ')}`);
  }
}
