/**
 * The failover drill: the whole runbook, through its real handlers, against a moto_server world.
 *
 * What moto cannot show, and the unit tests (test/lambda/) assert instead: moto reports every
 * health check healthy (so the drill runs a planned switch, `planned: true`) and every Route 53
 * change INSYNC at once, and it accepts calls AWS rejects (desired above max, a second
 * PromoteReadReplica, a record whose failover role flips).
 */
import { deepStrictEqual, equal, ok } from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FailoverReport } from '../../lambda/report';
import { logger, type StepResult } from '../../lambda/shared/step';
import { loadConfig } from '../../lib/config/load';
import type { PlatformConfig } from '../../lib/config/types';
import { PlatformNames } from '../../lib/names';
import { type MotoServer, startMoto } from './moto';
import { HANDLERS, type RunbookRun, runRunbook } from './runbook';
import { buildWorld, type DrillWorld, observeWorld } from './world';

/** Replica lag the drill's world reports: the RPO the report must show. */
export const DRILL_REPLICA_LAG_SECONDS = 2;

export interface DrillResult {
  readonly dryRun: RunbookRun;
  readonly failover: RunbookRun;
  readonly rerun: RunbookRun;
  readonly recordsFallback: readonly StepResult[];
  readonly before: Awaited<ReturnType<typeof observeWorld>>;
  readonly after: Awaited<ReturnType<typeof observeWorld>>;
}

/** Loads the production config from cdk.json's context, as `cdk synth` would. */
export function drillConfig(): PlatformConfig {
  const context = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;
  return loadConfig((key) => ({ ...context, profile: 'production' })[key]);
}

/**
 * Starts moto, builds the world, runs the runbook as a dry run, for real, and again, checks the
 * end state after each (node:assert: a broken invariant throws), exercises the records fallback,
 * and stops moto. Throws on the first failed check.
 */
export async function runDrill(): Promise<DrillResult> {
  const moto = await startMoto();
  let world: DrillWorld | undefined;
  const saved = { ...process.env };
  try {
    configureSdk(moto);
    const config = drillConfig();
    const names = new PlatformNames(config);
    world = await buildWorld(config, DRILL_REPLICA_LAG_SECONDS);
    const handlers = HANDLERS;
    const { targets } = world;

    const before = await observeWorld(world, config);
    equal(before.replica.standalone, false, 'the standby database starts as a replica');
    deepStrictEqual(
      before.records,
      expectedFailoverRecords(config, world),
      'the failover records as production declares them',
    );

    // 1. Dry run: every check, the plan, and no change.
    const dryRun = await runRunbook(
      handlers,
      targets,
      { dryRun: true, planned: true },
      { executionId: 'drill-dry-run' },
    );
    deepStrictEqual(await observeWorld(world, config), before, 'a dry run changes nothing');
    ok(
      Object.values(dryRun.steps).every((s) => s.action !== 'changed'),
      'no step of a dry run reports a change',
    );

    // 2. The failover.
    const failover = await runRunbook(
      handlers,
      targets,
      { dryRun: false, planned: true },
      { executionId: 'drill-failover' },
    );
    const after = await observeWorld(world, config);
    deepStrictEqual(after.replica, {
      standalone: true,
      status: 'available',
      multiAz: true,
      backupRetentionDays: targets.backupRetentionDays,
    });
    const { capacity } = targets;
    equal(after.fleet.min, capacity.min);
    equal(after.fleet.desired, capacity.desired);
    equal(after.fleet.max, capacity.max);
    deepStrictEqual(after.writeSwitch, { standby: 'on', primary: 'off' }, 'standby writes on, old primary fenced');
    equal(after.switchAlarm, 'ALARM', 'the switch alarm forces the primary unhealthy');
    deepStrictEqual(after.records, before.records, 'the data-plane switch leaves the records alone');
    for (const metric of [
      'ObservedRpoSeconds',
      'ObservedRtoSeconds',
      'StepDurationSeconds',
      names.failoverSwitchMetric().metricName,
    ]) {
      ok(after.metricNames.includes(metric), `metric ${metric} published`);
    }
    const report = failover.report.details as FailoverReport;
    equal(report.observedRpoSeconds, DRILL_REPLICA_LAG_SECONDS, 'RPO = the lag at promotion');

    // 3. Again: every step finds its work done.
    const rerun = await runRunbook(handlers, targets, { dryRun: false, planned: true }, { executionId: 'drill-rerun' });
    deepStrictEqual(
      { ...(await observeWorld(world, config)), metricNames: after.metricNames },
      after,
      'a re-run changes nothing',
    );
    for (const step of Object.values(rerun.steps)) {
      if (step.step === 'report') continue;
      ok(['unchanged', 'checked'].includes(step.action), `re-run: ${step.step} ${step.action}: ${step.summary}`);
    }

    // 4. The fallback switch: rewrite the PRIMARY record to the standby, keeping every role.
    const recordsFallback: StepResult[] = [];
    for (const executionId of ['drill-records', 'drill-records-again']) {
      recordsFallback.push(
        await handlers['switch-traffic']({
          dryRun: false,
          executionId,
          mode: 'records',
          alarm: { name: targets.switchAlarmName, namespace: targets.switchMetricNamespace },
          records: { hostedZoneId: targets.hostedZoneId, recordName: targets.recordName },
        }),
      );
    }
    const records = (await observeWorld(world, config)).records;
    deepStrictEqual(
      records,
      before.records.map((r) => ({ ...r, targets: [names.regionalOriginDomainName('standby')] })),
      'both failover CNAMEs point at the standby, each keeping its role, set identifier, TTL and health check',
    );
    deepStrictEqual(
      recordsFallback.map((r) => r.action),
      ['changed', 'unchanged'],
    );

    return { dryRun, failover, rerun, recordsFallback, before, after };
  } finally {
    await world?.close();
    await moto.stop();
    restoreEnv(saved);
  }
}

/**
 * The failover pair of the origin name as the Primary and Standby stacks declare it
 * (lib/origin-failover.ts), by set identifier as `observeWorld` sorts them.
 */
function expectedFailoverRecords(config: PlatformConfig, world: DrillWorld) {
  const names = new PlatformNames(config);
  return (['primary', 'standby'] as const).map((role) => ({
    type: 'CNAME',
    setIdentifier: names.originFailoverSetIdentifier(role),
    failover: role === 'primary' ? 'PRIMARY' : 'SECONDARY',
    healthCheckId: role === 'primary' ? world.primaryRecordHealthCheckId : undefined,
    ttl: config.edge.originFailover.recordTtlSeconds,
    targets: [names.regionalOriginDomainName(role)],
    alias: undefined,
  }));
}

/** Points every SDK client of this process at moto (the SDK reads `AWS_ENDPOINT_URL`). */
function configureSdk(moto: MotoServer): void {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: 'drill',
    AWS_SECRET_ACCESS_KEY: 'drill',
    AWS_REGION: 'us-west-2',
    AWS_DEFAULT_REGION: 'us-west-2',
  });
  // The handlers' JSON logs would bury the report; POWERTOOLS_LOG_LEVEL=INFO npm run drill shows them.
  logger.setLogLevel((process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR') as 'ERROR');
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
}

function restoreEnv(saved: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
}

/** The timing report of one run, as lines of text. */
export function formatRun(run: RunbookRun): string[] {
  const report = run.report.details as FailoverReport;
  const lines = [
    `${run.executionId} (${run.input.dryRun ? 'dry run' : 'execute'}, ${run.input.planned ? 'planned' : 'unplanned'})`,
  ];
  for (const step of report.steps) {
    lines.push(
      `  ${step.step.padEnd(17)} ${step.seconds.toFixed(3).padStart(8)} s  ${step.action.padEnd(9)} ${step.summary}`,
    );
  }
  lines.push(
    `  observed RPO ${report.observedRpoSeconds === null ? 'unknown (no lag measured in this run)' : `${report.observedRpoSeconds} s (${report.rpoSource})`}; observed RTO ${report.observedRtoSeconds.toFixed(3)} s (budget ${report.rtoBudgetSeconds} s)`,
  );
  return lines;
}
