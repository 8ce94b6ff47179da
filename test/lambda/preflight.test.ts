import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DBInstanceNotFoundFault, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { GetHealthCheckStatusCommand } from '@aws-sdk/client-route-53';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { handler } from '../../lambda/preflight';
import { awsError, dbInstance, EXECUTION, group, lagSeries, mockAws, PRIMARY_ARN, THROTTLING } from './helpers';

const aws = mockAws();

const INPUT = {
  dryRun: false,
  planned: false,
  primaryDownConfirmed: false,
  maxReplicaLagSeconds: 60,
  switchMode: 'alarm',
};
const event = (input: Record<string, unknown> = {}, fields: Record<string, unknown> = {}) => ({
  ...EXECUTION,
  dryRun: false,
  input: { ...INPUT, ...input },
  primaryHealthCheckId: 'abcdef01-2345-6789-abcd-ef0123456789',
  dbInstanceIdentifier: 'photo-prod-db-standby',
  autoScalingGroupName: 'photo-prod-fleet-standby',
  capacity: { min: 50, desired: 100, max: 500 },
  writeSwitchParameterName: '/photo-prod/service/writes-enabled',
  alarm: { name: 'photo-prod-force-primary-unhealthy', namespace: 'photo-prod/failover' },
  records: { hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'origin.photos.example.com' },
  ...fields,
});

/** Route 53's checkers: `healthy` of 16 report success. */
function checkers(healthy: number) {
  return {
    HealthCheckObservations: Array.from({ length: 16 }, (_, i) => ({
      Region: 'us-east-1' as const,
      IPAddress: `192.0.2.${i}`,
      StatusReport: {
        Status: i < healthy ? 'Success: HTTP Status Code 200, OK' : 'Failure: Connection timed out.',
        CheckedTime: new Date(),
      },
    })),
  };
}

/** A standby ready to take over, and a primary that is down. */
beforeEach(() => {
  aws.reset();
  aws.route53.on(GetHealthCheckStatusCommand).resolves(checkers(0));
  aws.rds.on(DescribeDBInstancesCommand).resolves(dbInstance({ replicaOf: PRIMARY_ARN }));
  aws.cloudwatch.on(GetMetricDataCommand).resolves(lagSeries([3]));
  aws.cloudwatch.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [
      { AlarmName: 'photo-prod-force-primary-unhealthy', Namespace: 'photo-prod/failover', StateValue: 'OK' },
    ],
  });
  aws.autoscaling.on(DescribeAutoScalingGroupsCommand).resolves(group({ min: 6, desired: 6, max: 500 }));
  aws.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'on' } });
});

const details = (result: Awaited<ReturnType<typeof handler>>) =>
  result.details as { go: boolean; noGo: string[]; warnings: string[]; replica: { lagSeconds: number | null } };

test('go when the primary is down and the standby is ready; reads only', async () => {
  const result = details(await handler(event()));

  expect(result).toMatchObject({ go: true, noGo: [], replica: { lagSeconds: 3 } });
  expect(aws.route53).toHaveReceivedCommandWith(GetHealthCheckStatusCommand, {
    HealthCheckId: 'abcdef01-2345-6789-abcd-ef0123456789',
  });
  expect(aws.commandsSent().every((c) => /^(Get|Describe|List)/.test(c))).toBe(true);
});

test('three of sixteen checkers healthy (18.75 %) is still healthy to Route 53', async () => {
  aws.route53.on(GetHealthCheckStatusCommand).resolves(checkers(3));

  const result = details(await handler(event()));

  expect(result.go).toBe(false);
  expect(result.noGo[0]).toMatch(
    /the primary is healthy \(3 of 16 Route 53 checkers report it healthy\); for a planned switch start with planned: true/,
  );
});

test('a planned switch goes with the primary healthy', async () => {
  aws.route53.on(GetHealthCheckStatusCommand).resolves(checkers(16));

  expect(details(await handler(event({ planned: true }))).go).toBe(true);
});

test('an unreachable Route 53 API is no-go unless on-call confirms the primary is down', async () => {
  aws.route53
    .on(GetHealthCheckStatusCommand)
    .rejects(awsError('InternalFailure', 'we encountered an internal error', 500));

  const unconfirmed = details(await handler(event()));
  const confirmed = details(await handler(event({ primaryDownConfirmed: true })));

  expect(unconfirmed.go).toBe(false);
  expect(unconfirmed.noGo[0]).toMatch(/health is unknown .*start with primaryDownConfirmed: true/);
  expect(confirmed.go).toBe(true);
  expect(confirmed.warnings[0]).toMatch(/on-call confirmed the primary is down/);
});

test('replica lag above the budget is no-go, naming both numbers', async () => {
  aws.cloudwatch.on(GetMetricDataCommand).resolves(lagSeries([95, 12]));

  const result = details(await handler(event()));

  expect(result.go).toBe(false);
  expect(result.noGo).toEqual([expect.stringMatching(/replica lag 95 s exceeds maxReplicaLagSeconds 60 s/)]);
});

test('no lag datapoint: a warning when the primary failed, no-go for a planned switch', async () => {
  aws.cloudwatch.on(GetMetricDataCommand).resolves(lagSeries([]));
  aws.route53.on(GetHealthCheckStatusCommand).resolves(checkers(0));

  const unplanned = details(await handler(event()));
  const planned = details(await handler(event({ planned: true })));

  expect(unplanned).toMatchObject({ go: true, warnings: [expect.stringMatching(/no ReplicaLag datapoint/)] });
  expect(planned.go).toBe(false);
});

test.each([
  [
    'the replica is missing',
    () =>
      aws.rds
        .on(DescribeDBInstancesCommand)
        .rejects(new DBInstanceNotFoundFault({ message: 'not found', $metadata: {} })),
    /DescribeDBInstances photo-prod-db-standby failed with DBInstanceNotFoundFault/,
  ],
  [
    'the replica is not available',
    () =>
      aws.rds.on(DescribeDBInstancesCommand).resolves(dbInstance({ replicaOf: PRIMARY_ARN, status: 'storage-full' })),
    /replica photo-prod-db-standby is storage-full, not available/,
  ],
  [
    'no instance serves',
    () => aws.autoscaling.on(DescribeAutoScalingGroupsCommand).resolves(group({ min: 0, desired: 0, max: 500 }, 0)),
    /has no healthy instance in service/,
  ],
  [
    'the group is missing',
    () => aws.autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] }),
    /no Auto Scaling group named photo-prod-fleet-standby/,
  ],
  [
    'the write switch is missing',
    () => aws.ssm.on(GetParameterCommand).rejects(awsError('ParameterNotFound')),
    /GetParameter \/photo-prod\/service\/writes-enabled failed with ParameterNotFound/,
  ],
  [
    'the switch alarm is missing',
    () => aws.cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] }),
    /switch alarm photo-prod-force-primary-unhealthy does not exist/,
  ],
])('no-go when %s', async (_label, arrange, reason) => {
  arrange();

  const result = details(await handler(event()));

  expect(result.go).toBe(false);
  expect(result.noGo).toEqual(expect.arrayContaining([expect.stringMatching(reason)]));
});

test('throttling is thrown for the state machine to retry, not turned into a no-go', async () => {
  aws.rds.on(DescribeDBInstancesCommand).rejects(THROTTLING());

  await expect(handler(event())).rejects.toMatchObject({ name: 'TransientAwsError' });
});

test.each([
  [
    'a string dryRun',
    { dryRun: 'yes' },
    /input\.dryRun: got "yes"; allowed: true \(run every check and return the plan, change nothing\) or false/,
  ],
  [
    'a misspelt field',
    { dry_run: true },
    /input\.dry_run: got true; allowed: no such field; known fields: dryRun, planned, primaryDownConfirmed, maxReplicaLagSeconds, switchMode/,
  ],
  ['an unknown switch mode', { switchMode: 'dns' }, /input\.switchMode: got "dns"; allowed: one of alarm, records/],
  ['a negative lag budget', { maxReplicaLagSeconds: -1 }, /input\.maxReplicaLagSeconds: got -1/],
])('%s in the input is refused before any AWS call', async (_label, input, message) => {
  await expect(handler(event(input))).rejects.toThrow(message);
  expect(aws.commandsSent()).toEqual([]);
});
