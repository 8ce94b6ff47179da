import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { GetHealthCheckStatusCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { RUNBOOK_STEPS, staticStepFields } from '../../lib/runbook-steps';
import { HANDLERS } from '../../scripts/drill/runbook';
import {
  dbInstance,
  EXECUTION,
  group,
  lagSeries,
  mockAws,
  PRIMARY_ARN,
  PRIMARY_CNAME,
  SECONDARY_CNAME,
} from './helpers';

const aws = mockAws();

/**
 * A world where every step has work to do: a replica, a small fleet, switches on, the alarm OK, and
 * the origin's failover CNAMEs as production declares them.
 */
beforeEach(() => {
  aws.reset();
  aws.route53.on(GetHealthCheckStatusCommand).resolves({ HealthCheckObservations: [] });
  aws.route53.on(ListResourceRecordSetsCommand).resolves({
    ResourceRecordSets: [PRIMARY_CNAME, SECONDARY_CNAME],
    IsTruncated: false,
    MaxItems: 100,
  });
  aws.rds.on(DescribeDBInstancesCommand).resolves(dbInstance({ replicaOf: PRIMARY_ARN }));
  aws.cloudwatch.on(GetMetricDataCommand).resolves(lagSeries([2]));
  aws.cloudwatch.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [
      {
        AlarmName: 'switch',
        Namespace: 'photo-prod/failover',
        MetricName: 'ForcePrimaryUnhealthy',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        StateValue: 'OK',
      },
    ],
  });
  aws.autoscaling.on(DescribeAutoScalingGroupsCommand).resolves(group({ min: 6, desired: 6, max: 500 }));
  aws.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'on' } });
});

const fields = staticStepFields({
  primaryRegion: 'us-east-1',
  standbyRegion: 'us-west-2',
  primaryHealthCheckId: 'check',
  dbInstanceIdentifier: 'photo-prod-db-standby',
  backupRetentionDays: 30,
  autoScalingGroupName: 'photo-prod-fleet-standby',
  capacity: { min: 50, desired: 100, max: 500 },
  writeSwitchParameterName: '/photo-prod/service/writes-enabled',
  switchAlarmName: 'switch',
  switchMetricNamespace: 'photo-prod/failover',
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  recordName: 'origin.photos.example.com',
  // Nothing listens on port 9 (discard) of loopback: the probe fails fast, which a dry run only reports.
  healthUrls: ['http://127.0.0.1:9/health'],
  healthRequestTimeoutMs: 500,
  promotionTimeoutSeconds: 420,
  verifyTimeoutSeconds: 600,
  metricsNamespace: 'photo-prod/failover',
  rtoBudgetSeconds: 900,
});
const now = new Date().toISOString();
const dynamic: Record<string, Record<string, unknown>> = {
  preflight: {
    input: { dryRun: true, planned: true, primaryDownConfirmed: false, maxReplicaLagSeconds: 60, switchMode: 'alarm' },
  },
  'fence-writes': { primaryRequired: true },
  'check-promotion': { promotionRequested: false, waitingSince: now },
  'switch-traffic': { mode: 'alarm' },
  verify: { waitingSince: now },
  report: { executionStartedAt: now, steps: {} },
};

test.each(RUNBOOK_STEPS.map((step) => [step]))('a dry run of %s sends no mutating call', async (step) => {
  const result = await HANDLERS[step]({ ...EXECUTION, dryRun: true, ...fields[step], ...dynamic[step] });

  expect(result.dryRun).toBe(true);
  expect(result.action).not.toBe('changed');
  for (const command of aws.commandsSent()) expect(command).toMatch(/^(Get|Describe|List)\w+Command$/);
});

test('a dry run of the records switch sends no mutating call either', async () => {
  await HANDLERS['switch-traffic']({ ...EXECUTION, dryRun: true, ...fields['switch-traffic'], mode: 'records' });

  expect(aws.commandsSent()).toEqual(['ListResourceRecordSetsCommand']);
});
