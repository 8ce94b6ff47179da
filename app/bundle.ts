import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type BuildOptions, buildSync } from 'esbuild';

/** Name of the single file the bundle writes; the fleet runs `node server.js`. */
export const SERVICE_BUNDLE_FILE = 'server.js';

/**
 * How the service (`app/src/main.ts`) is bundled with every dependency into `server.js`: CommonJS for Node 20,
 * minified, so that it runs with plain `node server.js` and no node_modules. The output directory is the
 * caller's (`outdir`); the CDK asset builds these options through the bundle cache (`lib/bundle-cache.ts`).
 */
export const SERVICE_BUNDLE_OPTIONS = {
  entryPoints: { server: join(__dirname, 'src', 'main.ts') },
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
} as const satisfies BuildOptions;

/** Bundles the service into `outputDir/server.js`. Synchronous, like every other step of a synth. */
export function buildServiceBundleSync(outputDir: string): void {
  if (outputDir.trim() === '') throw new Error('buildServiceBundleSync: outputDir must be a directory path, got ""');
  mkdirSync(outputDir, { recursive: true });
  const result = buildSync({ ...SERVICE_BUNDLE_OPTIONS, outdir: outputDir });
  if (result.errors.length > 0) {
    throw new Error(`service bundle failed: ${result.errors.map((e) => e.text).join('; ')}`);
  }
}
