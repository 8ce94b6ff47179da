/**
 * Takes the failover runbook's bundle the construct ships (`lib/runbook-bundle.ts`: esbuild, minified, SDK
 * inside from its ES module builds, ES modules split into shared chunks for Node.js 24; one asset, which every
 * step function ships) and prints, per handler, the bytes it loads (its entry and every chunk the entry imports,
 * transitively) and its cold module-load time: a fresh `node` process timing `await import()` of the entry
 * (the module-scope work of a Lambda cold start: parsing, SDK clients, logger). Median of N runs. Then the
 * whole asset's size. Prints figures only, asserts nothing.
 *
 *   npm run bench:lambda          # 5 runs per handler
 *   npm run bench:lambda -- 9     # 9 runs per handler
 *
 * The import graph is esbuild's: the bundle options are run again with a metafile, without writing, and the
 * outputs must be the files of the bundle at their sizes. `loads` counts the static imports, which `import()`
 * of the entry loads; `later` the chunks further reached only through `import()` in the code, loaded on first
 * use (the SDK's credential providers, for example).
 *
 * Targets: at most 1 MB for the asset (every function's package), at most 150 ms to load. This machine's
 * Node.js is the one measured (Lambda runs Node.js 24 on arm64); the figures compare handlers, not Lambda itself.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSync, type Metafile } from 'esbuild';
import { PROJECT_ROOT } from '../lib/bundle-cache';
import { RUNBOOK_BUNDLE_OPTIONS, RUNBOOK_HANDLER_FILE, runbookBundleDir } from '../lib/runbook-bundle';
import { RUNBOOK_STEPS } from '../lib/runbook-steps';

const runs = Number(process.argv[2] ?? 5);
if (!Number.isInteger(runs) || runs < 1 || runs > 50) {
  process.stderr.write(
    `bench:lambda: runs: got ${JSON.stringify(process.argv[2])}; allowed: an integer from 1 to 50\n`,
  );
  process.exit(2);
}

const SIZE_TARGET_BYTES = 1024 * 1024;
const LOAD_TARGET_MS = 150;
const bundle = runbookBundleDir();

/** The bundle's size of each file and its imports, static and dynamic, by path inside the bundle. */
function importGraph(): Map<string, { bytes: number; imports: string[]; dynamicImports: string[] }> {
  const { metafile } = buildSync({
    ...RUNBOOK_BUNDLE_OPTIONS,
    absWorkingDir: PROJECT_ROOT,
    outdir: bundle,
    metafile: true,
    write: false,
  });
  const inBundle = (path: string) => relative(bundle, resolve(PROJECT_ROOT, path));
  const outputs = Object.entries(metafile.outputs).map(([path, output]) => [inBundle(path), output] as const);
  const files = readdirSync(bundle, { recursive: true, encoding: 'utf8' }).filter((f) =>
    statSync(join(bundle, f)).isFile(),
  );
  const mismatch =
    files.length !== outputs.length || outputs.some(([path, o]) => !files.includes(path) || fileSize(path) !== o.bytes);
  if (mismatch) throw new Error(`bench:lambda: ${bundle} is not what RUNBOOK_BUNDLE_OPTIONS build now`);
  const chunks = (o: Metafile['outputs'][string], kind: string) =>
    o.imports.filter((i) => !i.external && i.kind === kind).map((i) => inBundle(i.path));
  return new Map(
    outputs.map(([path, o]) => [
      path,
      { bytes: o.bytes, imports: chunks(o, 'import-statement'), dynamicImports: chunks(o, 'dynamic-import') },
    ]),
  );
}

function fileSize(path: string): number {
  return statSync(join(bundle, path)).size;
}

/** The files reached from `entry` through `follow`, the entry included. */
function reached(entry: string, follow: (file: string) => string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const next of follow(file)) visit(next);
  };
  visit(entry);
  return seen;
}

/** One fresh process: the time `await import()` of the entry takes, in milliseconds. */
function loadOnce(entry: string): number {
  const url = pathToFileURL(join(bundle, entry)).href;
  const probe = `const t=process.hrtime.bigint();await import(${JSON.stringify(url)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      AWS_REGION: 'us-west-2',
      AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    },
  });
  if (result.status !== 0) throw new Error(`loading ${entry} failed:\n${result.stderr}`);
  return Number(result.stdout);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0).padStart(7)} KiB`;

const graph = importGraph();
const bytesOf = (files: Iterable<string>) => [...files].reduce((total, f) => total + (graph.get(f)?.bytes ?? 0), 0);

process.stdout.write(`node ${process.version}; median of ${runs} cold loads per handler\n`);
process.stdout.write(
  `${'handler'.padEnd(18)} ${'loads'.padStart(11)} ${'files'.padStart(5)} ${'later'.padStart(11)} ${'load'.padStart(10)}\n`,
);
for (const step of RUNBOOK_STEPS) {
  const entry = join(step, RUNBOOK_HANDLER_FILE);
  const loaded = reached(entry, (f) => graph.get(f)?.imports ?? []);
  const everything = reached(entry, (f) => [...(graph.get(f)?.imports ?? []), ...(graph.get(f)?.dynamicImports ?? [])]);
  loadOnce(entry); // warm the file cache
  const ms = median(Array.from({ length: runs }, () => loadOnce(entry)));
  const loadMark = ms <= LOAD_TARGET_MS ? ' ' : '!';
  process.stdout.write(
    `${step.padEnd(18)} ${kib(bytesOf(loaded))} ${String(loaded.size).padStart(5)} ${kib(bytesOf(everything) - bytesOf(loaded))} ${ms.toFixed(1).padStart(7)} ms${loadMark}\n`,
  );
}
const assetBytes = bytesOf(graph.keys());
process.stdout.write(
  `${'asset (all steps)'.padEnd(18)} ${kib(assetBytes)}${assetBytes <= SIZE_TARGET_BYTES ? ' ' : '!'}${String(graph.size).padStart(4)}   shipped by every function\n`,
);
process.stdout.write(
  `targets: <= ${SIZE_TARGET_BYTES / 1024} KiB for the asset, <= ${LOAD_TARGET_MS} ms to load ('!' marks a miss)\n`,
);
