/**
 * `npm run drill`: runs the failover runbook's handlers against a local moto_server world (a dry
 * run, the failover, a re-run for idempotence, the records fallback), checks the end state and
 * prints the timing report. Exits 1 on the first failed check. See scripts/drill/index.ts.
 */
import { formatRun, runDrill } from './drill/index';

runDrill().then(
  (result) => {
    for (const run of [result.dryRun, result.failover, result.rerun]) {
      process.stdout.write(`${formatRun(run).join('\n')}\n\n`);
    }
    for (const fallback of result.recordsFallback) {
      process.stdout.write(`records fallback (${fallback.executionId}): ${fallback.action}: ${fallback.summary}\n`);
    }
    process.stdout.write('\ndrill passed: end state checked after the dry run, the failover and the re-run\n');
  },
  (error: unknown) => {
    process.stderr.write(`drill failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
