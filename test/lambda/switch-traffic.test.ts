import {
  DescribeAlarmsCommand,
  type MetricAlarm,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  PriorRequestNotComplete,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { breachingValue, handler } from '../../lambda/switch-traffic';
import { EXECUTION, mockAws } from './helpers';

const aws = mockAws();
beforeEach(() => aws.reset());

const ALARM = 'photo-prod-force-primary-unhealthy';
const NAMESPACE = 'photo-prod/failover';
const ZONE = 'Z0123456789ABCDEFGHIJ';
const NAME = 'origin.photos.example.com';
const event = (fields: Record<string, unknown> = {}) => ({
  ...EXECUTION,
  dryRun: false,
  mode: 'alarm',
  alarm: { name: ALARM, namespace: NAMESPACE },
  records: { hostedZoneId: ZONE, recordName: NAME },
  ...fields,
});

function switchAlarm(state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA', fields: Partial<MetricAlarm> = {}) {
  return {
    MetricAlarms: [
      {
        AlarmName: ALARM,
        Namespace: NAMESPACE,
        MetricName: 'ForcePrimaryUnhealthy',
        Dimensions: [{ Name: 'Switch', Value: 'primary' }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        StateValue: state,
        ...fields,
      } as MetricAlarm,
    ],
  };
}

describe('alarm mode (the data-plane switch)', () => {
  test('writes a breaching datapoint and sets the alarm to ALARM', async () => {
    aws.cloudwatch.on(DescribeAlarmsCommand).resolves(switchAlarm('OK'));

    const result = await handler(event());

    expect(aws.cloudwatch).toHaveReceivedCommandWith(PutMetricDataCommand, {
      Namespace: NAMESPACE,
      MetricData: [
        expect.objectContaining({
          MetricName: 'ForcePrimaryUnhealthy',
          Dimensions: [{ Name: 'Switch', Value: 'primary' }],
          Value: 1,
        }),
      ],
    });
    expect(aws.cloudwatch).toHaveReceivedCommandWith(SetAlarmStateCommand, {
      AlarmName: ALARM,
      StateValue: 'ALARM',
      StateReason: expect.stringContaining(EXECUTION.executionId),
    });
    expect(aws.route53).not.toHaveReceivedAnyCommand();
    expect(result.action).toBe('changed');
  });

  test('an alarm already in ALARM gets its datapoint refreshed and no SetAlarmState', async () => {
    aws.cloudwatch.on(DescribeAlarmsCommand).resolves(switchAlarm('ALARM'));

    const result = await handler(event());

    expect(aws.cloudwatch).toHaveReceivedCommandTimes(PutMetricDataCommand, 1);
    expect(aws.cloudwatch).not.toHaveReceivedCommand(SetAlarmStateCommand);
    expect(result.action).toBe('unchanged');
  });

  test('a dry run writes nothing', async () => {
    aws.cloudwatch.on(DescribeAlarmsCommand).resolves(switchAlarm('OK'));

    expect((await handler(event({ dryRun: true }))).action).toBe('planned');
    expect(aws.commandsSent()).toEqual(['DescribeAlarmsCommand']);
  });

  test('an alarm on another namespace is refused: the role may not write there', async () => {
    aws.cloudwatch.on(DescribeAlarmsCommand).resolves(switchAlarm('OK', { Namespace: 'AWS/EC2' }));

    await expect(handler(event())).rejects.toMatchObject({ name: 'UnexpectedState' });
    expect(aws.cloudwatch).not.toHaveReceivedCommand(PutMetricDataCommand);
  });

  test('a missing alarm is ResourceNotFound', async () => {
    aws.cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });

    await expect(handler(event())).rejects.toMatchObject({ name: 'ResourceNotFound' });
  });

  test.each([
    ['GreaterThanOrEqualToThreshold', 1, 1],
    ['GreaterThanThreshold', 0, 1],
    ['LessThanThreshold', 1, 0],
    ['LessThanOrEqualToThreshold', 0, 0],
  ] as const)('%s %d is breached by %d', (operator, threshold, value) => {
    expect(breachingValue({ AlarmName: ALARM, ComparisonOperator: operator, Threshold: threshold })).toBe(value);
  });

  test('an anomaly-band operator is refused', () => {
    expect(() =>
      breachingValue({
        AlarmName: ALARM,
        ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
        Threshold: 1,
      }),
    ).toThrow(/supports GreaterThan/);
  });
});

describe('records mode (the control-plane fallback)', () => {
  const PRIMARY: ResourceRecordSet = {
    Name: `${NAME}.`,
    Type: 'A',
    SetIdentifier: 'primary',
    Failover: 'PRIMARY',
    HealthCheckId: 'calculated-check-id',
    AliasTarget: {
      DNSName: 'primary-alb.us-east-1.elb.amazonaws.com.',
      HostedZoneId: 'Z35SXDOTRQ7X7K',
      EvaluateTargetHealth: false,
    },
  };
  const SECONDARY: ResourceRecordSet = {
    Name: `${NAME}.`,
    Type: 'A',
    SetIdentifier: 'standby',
    Failover: 'SECONDARY',
    AliasTarget: {
      DNSName: 'standby-alb.us-west-2.elb.amazonaws.com.',
      HostedZoneId: 'Z1H1FL5HABSF5',
      EvaluateTargetHealth: true,
    },
  };
  const OTHER: ResourceRecordSet = {
    Name: `z.${NAME}.`,
    Type: 'A',
    TTL: 60,
    ResourceRecords: [{ Value: '192.0.2.1' }],
  };
  const records = (...sets: ResourceRecordSet[]) => ({ ResourceRecordSets: sets, IsTruncated: false, MaxItems: 100 });

  test('reads the records, then UPSERTs the PRIMARY with the SECONDARY target and every other field kept', async () => {
    aws.route53.on(ListResourceRecordSetsCommand).resolves(records(PRIMARY, SECONDARY, OTHER));
    aws.route53.on(ChangeResourceRecordSetsCommand).resolves({
      ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() },
    });

    const result = await handler(event({ mode: 'records' }));

    expect(aws.route53).toHaveReceivedCommandWith(ListResourceRecordSetsCommand, {
      HostedZoneId: ZONE,
      StartRecordName: NAME,
    });
    expect(aws.route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: ZONE,
      ChangeBatch: {
        Comment: expect.stringContaining(EXECUTION.executionId),
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: `${NAME}.`,
              Type: 'A',
              SetIdentifier: 'primary',
              Failover: 'PRIMARY',
              HealthCheckId: 'calculated-check-id',
              AliasTarget: SECONDARY.AliasTarget,
            },
          },
        ],
      },
    });
    expect(aws.cloudwatch).not.toHaveReceivedAnyCommand();
    expect(result).toMatchObject({ action: 'changed', details: { changeId: '/change/C1' } });
  });

  test('no change ever flips an existing record’s failover role', async () => {
    const AAAA_PRIMARY = { ...PRIMARY, Type: 'AAAA' as const };
    const AAAA_SECONDARY = { ...SECONDARY, Type: 'AAAA' as const };
    aws.route53.on(ListResourceRecordSetsCommand).resolves(records(PRIMARY, SECONDARY, AAAA_PRIMARY, AAAA_SECONDARY));
    aws.route53
      .on(ChangeResourceRecordSetsCommand)
      .resolves({ ChangeInfo: { Id: 'c', Status: 'PENDING', SubmittedAt: new Date() } });

    await handler(event({ mode: 'records' }));

    const existing = [PRIMARY, SECONDARY, AAAA_PRIMARY, AAAA_SECONDARY];
    const changes = aws.route53
      .commandCalls(ChangeResourceRecordSetsCommand)
      .flatMap((c) => c.args[0].input.ChangeBatch?.Changes ?? []);
    expect(changes).toHaveLength(2);
    for (const change of changes) {
      const before = existing.find(
        (r) => r.Type === change.ResourceRecordSet?.Type && r.SetIdentifier === change.ResourceRecordSet?.SetIdentifier,
      );
      expect(change.Action).toBe('UPSERT');
      expect(change.ResourceRecordSet?.Failover).toBe(before?.Failover);
    }
  });

  test('records already pointing at the standby get no change', async () => {
    aws.route53
      .on(ListResourceRecordSetsCommand)
      .resolves(records({ ...PRIMARY, AliasTarget: SECONDARY.AliasTarget }, SECONDARY));

    expect((await handler(event({ mode: 'records' }))).action).toBe('unchanged');
    expect(aws.route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  test('a dry run changes no record', async () => {
    aws.route53.on(ListResourceRecordSetsCommand).resolves(records(PRIMARY, SECONDARY));

    expect((await handler(event({ mode: 'records', dryRun: true }))).action).toBe('planned');
    expect(aws.route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  test.each([
    ['two PRIMARY records', [PRIMARY, { ...PRIMARY, SetIdentifier: 'other' }, SECONDARY], 'UnexpectedState'],
    ['no SECONDARY', [PRIMARY], 'UnexpectedState'],
    ['no failover record', [OTHER], 'ResourceNotFound'],
  ])('a zone with %s is refused untouched', async (_label, sets, name) => {
    aws.route53.on(ListResourceRecordSetsCommand).resolves(records(...sets));

    await expect(handler(event({ mode: 'records' }))).rejects.toMatchObject({ name });
    expect(aws.route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  test('PriorRequestNotComplete is TransientAwsError, for the state machine to retry', async () => {
    aws.route53.on(ListResourceRecordSetsCommand).resolves(records(PRIMARY, SECONDARY));
    aws.route53
      .on(ChangeResourceRecordSetsCommand)
      .rejects(new PriorRequestNotComplete({ message: 'busy', $metadata: {} }));

    await expect(handler(event({ mode: 'records' }))).rejects.toMatchObject({ name: 'TransientAwsError' });
  });

  test('an unknown mode is refused naming the field', async () => {
    await expect(handler(event({ mode: 'dns' }))).rejects.toThrow(/mode: got "dns"; allowed: one of alarm, records/);
  });
});
