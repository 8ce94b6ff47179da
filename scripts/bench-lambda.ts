/**
 * Takes the failover runbook's bundles the construct ships (`lib/runbook-bundle.ts`: esbuild, minified, SDK
 * inside from its ES module builds, CommonJS for Node.js 24) and prints each bundle's size and its cold module-load time: a fresh
 * `node` process timing `require()` of the bundle (the module-scope work of a Lambda cold start:
 * parsing, SDK clients, logger). Median of N runs. Prints figures only, asserts nothing.
 *
 *   npm run bench:lambda          # 5 runs per handler
 *   npm run bench:lambda -- 9     # 9 runs per handler
 *
 * Targets: at most 1 MB minified, at most 150 ms to load. This machine's Node.js is the one
 * measured (Lambda runs Node.js 24 on arm64); the figures compare handlers, not Lambda itself.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { RUNBOOK_HANDLER_FILE, runbookBundleDir } from '../lib/runbook-bundle';
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
const bundles = runbookBundleDir();

/** One fresh process: the time `require()` of the bundle takes, in milliseconds. */
function loadOnce(bundle: string): number {
  const probe = `const t=process.hrtime.bigint();require(${JSON.stringify(bundle)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const result = spawnSync(process.execPath, ['-e', probe], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      AWS_REGION: 'us-west-2',
      AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    },
  });
  if (result.status !== 0) throw new Error(`loading ${bundle} failed:\n${result.stderr}`);
  return Number(result.stdout);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

process.stdout.write(`node ${process.version}; median of ${runs} cold loads per handler\n`);
process.stdout.write(`${'handler'.padEnd(18)} ${'minified'.padStart(10)} ${'load'.padStart(10)}\n`);
for (const step of RUNBOOK_STEPS) {
  const outfile = join(bundles, step, RUNBOOK_HANDLER_FILE);
  const bytes = statSync(outfile).size;
  loadOnce(outfile); // warm the file cache
  const ms = median(Array.from({ length: runs }, () => loadOnce(outfile)));
  const sizeMark = bytes <= SIZE_TARGET_BYTES ? ' ' : '!';
  const loadMark = ms <= LOAD_TARGET_MS ? ' ' : '!';
  process.stdout.write(
    `${step.padEnd(18)} ${(bytes / 1024).toFixed(0).padStart(7)} KiB${sizeMark} ${ms.toFixed(1).padStart(7)} ms${loadMark}\n`,
  );
}
process.stdout.write(
  `targets: <= ${SIZE_TARGET_BYTES / 1024} KiB minified, <= ${LOAD_TARGET_MS} ms to load ('!' marks a miss)\n`,
);
