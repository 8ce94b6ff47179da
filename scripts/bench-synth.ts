/**
 * Prints the wall time and peak memory of synthesizing the production deployment beside an empty
 * one-stack CDK app, measured in the same run on the same machine:
 *
 * - "app": the CDK app process alone, as `cdk synth` starts it (tsx, with cdk.json's context);
 * - "cdk synth": the whole `npx cdk synth --no-lookups` command, CLI included.
 *
 * The production deployment is measured twice: as a developer's repeated synth runs it, with the bundles of the
 * service and the runbook taken from the bundle cache (`lib/bundle-cache.ts`; the warm-up run fills it), and as
 * a first synth on a fresh clone runs it, with every bundle built (`PHOTO_PLATFORM_BUNDLE_CACHE=off`). CDK's
 * built-in template validation stays on in every run, as in CI, except in a last pair of runs printed for
 * reference, without it (`CDK_VALIDATION=false`), which shows how much of the ratio is the validator's.
 *
 *   npm run bench:synth            # 3 runs of each, median shown (about 2 to 3 minutes)
 *   npm run bench:synth -- 5       # 5 runs of each
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.argv[2] ?? 3);
const cdkJson = JSON.parse(readFileSync('cdk.json', 'utf8'));
const context = cdkJson.context;
const PRODUCTION_APP = 'bin/photo-platform.ts';
const EMPTY_APP = 'scripts/bench/empty-app.ts';
if (!String(cdkJson.app).endsWith(PRODUCTION_APP)) {
  process.stderr.write(
    `bench:synth: cdk.json app: got ${JSON.stringify(cdkJson.app)}; expected a command ending in ${PRODUCTION_APP}\n`,
  );
  process.exit(1);
}
// The baseline starts the way cdk.json starts the deployment (same launcher), only the app file differs.
const emptyAppCommand = String(cdkJson.app).replace(PRODUCTION_APP, EMPTY_APP);
const TIME = '/usr/bin/time';

if (!existsSync(TIME)) {
  process.stderr.write('bench:synth needs GNU time at /usr/bin/time (apt-get install -y time)\n');
  process.exit(1);
}

interface Sample {
  readonly seconds: number;
  readonly peakMiB: number;
}

/** Runs `command` under GNU time and returns its wall time and the peak RSS of its largest process. */
function measure(command: string[], env: NodeJS.ProcessEnv = {}): Sample {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-synth-'));
  const result = spawnSync(TIME, ['-f', '%e %M', ...command.map((arg) => arg.replace('{outdir}', outdir))], {
    encoding: 'utf8',
    env: { ...process.env, CDK_OUTDIR: outdir, ...env },
  });
  rmSync(outdir, { recursive: true, force: true });
  if (result.status !== 0) throw new Error(`${command.join(' ')} failed:\n${result.stderr}`);
  const [seconds, kib] = result.stderr.trim().split('\n').at(-1)?.split(' ').map(Number) ?? [];
  return { seconds, peakMiB: kib / 1024 };
}

function median(samples: Sample[]): Sample {
  const pick = (key: keyof Sample) => samples.map((s) => s[key]).sort((a, b) => a - b)[Math.floor(samples.length / 2)];
  return { seconds: pick('seconds'), peakMiB: pick('peakMiB') };
}

function bench(label: string, command: string[], env?: NodeJS.ProcessEnv): Sample {
  measure(command, env); // warm the file cache and tsx's transform cache
  const result = median(Array.from({ length: runs }, () => measure(command, env)));
  process.stdout.write(
    `${label.padEnd(40)} ${result.seconds.toFixed(2).padStart(6)} s ${result.peakMiB.toFixed(0).padStart(6)} MiB\n`,
  );
  return result;
}

const appEnv = { CDK_CONTEXT_JSON: JSON.stringify({ ...context, profile: 'production' }) };
const node = process.execPath;

process.stdout.write(`median of ${runs} runs; wall time, peak resident memory\n`);
const emptyApp = bench('app: empty one-stack app', [node, '--import', 'tsx', EMPTY_APP], appEnv);
const cold = { PHOTO_PLATFORM_BUNDLE_CACHE: 'off' };
const prodApp = bench('app: production, cached bundles', [node, '--import', 'tsx', PRODUCTION_APP], appEnv);
const prodAppCold = bench('app: production, bundles built', [node, '--import', 'tsx', PRODUCTION_APP], {
  ...appEnv,
  ...cold,
});
const cdkSynth = (app?: string) => [
  'npx',
  'cdk',
  'synth',
  '--no-lookups',
  '--no-notices',
  '-q',
  '-o',
  '{outdir}',
  ...(app ? ['--app', app] : []),
];
const emptyCli = bench('cdk synth: empty one-stack app', cdkSynth(emptyAppCommand));
const prodCli = bench('cdk synth: production, cached bundles', cdkSynth());
const prodCliCold = bench('cdk synth: production, bundles built', cdkSynth(), cold);
// For reference, not the target: the same without CDK's built-in template validation, which is about half of
// either app's time (the validator's set-up in both, checking the templates in production).
const noValidation = { CDK_VALIDATION: 'false' };
const emptyCliBare = bench('cdk synth: empty, no CDK validation', cdkSynth(emptyAppCommand), noValidation);
const prodCliBare = bench('cdk synth: production, no CDK validation', cdkSynth(), noValidation);

const TARGET = 2;
const ratio = (a: Sample, b: Sample) => {
  const time = a.seconds / b.seconds;
  return `${time.toFixed(2)}x time${time <= TARGET ? ' ' : '!'}, ${(a.peakMiB / b.peakMiB).toFixed(2)}x memory`;
};
process.stdout.write('\nproduction / empty\n');
process.stdout.write(`  app, cached bundles:       ${ratio(prodApp, emptyApp)}\n`);
process.stdout.write(`  app, bundles built:        ${ratio(prodAppCold, emptyApp)}\n`);
process.stdout.write(`  cdk synth, cached bundles: ${ratio(prodCli, emptyCli)}\n`);
process.stdout.write(`  cdk synth, bundles built:  ${ratio(prodCliCold, emptyCli)}\n`);
process.stdout.write(
  `  cdk synth, no CDK validation (cached bundles, for reference): ${ratio(prodCliBare, emptyCliBare)}\n`,
);
process.stdout.write(`target: at most ${TARGET}x time ('!' marks a miss)\n`);
