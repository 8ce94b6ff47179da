import { Match } from 'aws-cdk-lib/assertions';
import type { FailoverReport } from '../lambda/report';
import { logger } from '../lambda/shared/step';
import { HAPPY_PATH_STATES } from '../lib/runbook-steps';
import { DRILL_REPLICA_LAG_SECONDS, type DrillResult, runDrill } from '../scripts/drill/index';
import { platformFor } from './helpers/platform';

// The drill starts its own moto_server on a free loopback port and stops it when done; its own
// node:assert checks throw on a broken end state, so getting a result means they all held.
let result: DrillResult;
beforeAll(async () => {
  result = await runDrill();
  logger.setLogLevel('SILENT');
}, 120_000);

test('the drill’s failover records are the ones the Primary and Standby templates declare', () => {
  const build = platformFor('production');
  const declared = [build.platform.primary, build.platform.standby].flatMap((stack) =>
    Object.values(
      build.template(stack).findResources('AWS::Route53::RecordSet', { Properties: { Failover: Match.anyValue() } }),
    ).map(({ Properties: p }) => ({
      type: p.Type,
      setIdentifier: p.SetIdentifier,
      failover: p.Failover,
      ttl: Number(p.TTL),
      targets: p.ResourceRecords,
      healthChecked: 'HealthCheckId' in p,
    })),
  );

  expect(declared).toHaveLength(2);
  expect(
    result.before.records.map((r) => ({
      type: r.type,
      setIdentifier: r.setIdentifier,
      failover: r.failover,
      ttl: r.ttl,
      targets: r.targets,
      healthChecked: r.healthCheckId !== undefined,
    })),
  ).toEqual(declared);
});

test('the failover passes through the state machine’s states in order', () => {
  expect(result.failover.states).toEqual([...HAPPY_PATH_STATES]);
});

test('the failover changes every step’s target, and the re-run none', () => {
  const changed = (run: DrillResult['failover']) =>
    Object.values(run.steps)
      .filter((s) => s.action === 'changed')
      .map((s) => s.step)
      .sort();

  expect(changed(result.failover)).toEqual(
    [
      'enable-multi-az',
      'fence-writes',
      'promote-database',
      'report',
      'resume-writes',
      'scale-fleet',
      'switch-traffic',
    ].sort(),
  );
  expect(changed(result.rerun)).toEqual(['report']);
});

test('the dry run plans and changes nothing', () => {
  expect(Object.values(result.dryRun.steps).map((s) => s.action)).not.toContain('changed');
  expect(result.dryRun.states).not.toContain('CheckPromotion');
});

test('the end state: promoted, Multi-AZ, scaled, writes moved, switch thrown', () => {
  expect(result.after).toMatchObject({
    replica: { standalone: true, multiAz: true, backupRetentionDays: 30 },
    fleet: { min: 50, desired: 100, max: 500 },
    writeSwitch: { standby: 'on', primary: 'off' },
    switchAlarm: 'ALARM',
  });
});

test('the report carries the lag at promotion as the RPO and a total', () => {
  const report = result.failover.report.details as FailoverReport;

  expect(report.observedRpoSeconds).toBe(DRILL_REPLICA_LAG_SECONDS);
  expect(report.steps.map((s) => s.step)).toContain('check-promotion');
  expect(report.observedRtoSeconds).toBeGreaterThanOrEqual(0);
});

test('the records fallback rewrote once, then found nothing to do', () => {
  expect(result.recordsFallback.map((r) => r.action)).toEqual(['changed', 'unchanged']);
});
