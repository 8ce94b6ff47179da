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
import { EXECUTION, mockAws, PRIMARY_CNAME, SECONDARY_CNAME } from './helpers';

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
  // PRIMARY_CNAME and SECONDARY_CNAME (helpers.ts) are the production shape.
  // Alias A records to the ALBs: not what production declares, but the handler supports them.
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
  const changesSent = () =>
    aws.route53
      .commandCalls(ChangeResourceRecordSetsCommand)
      .flatMap((c) => c.args[0].input.ChangeBatch?.Changes ?? []);
  const changeAccepted = () =>
    aws.route53.on(ChangeResourceRecordSetsCommand).resolves({
      ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() },
    });

  describe('the production failover CNAMEs', () => {
    test('UPSERTs the PRIMARY CNAME to the standby’s origin name, keeping its role, set identifier, TTL and health check', async () => {
      aws.route53.on(ListResourceRecordSetsCommand).resolves(records(PRIMARY_CNAME, SECONDARY_CNAME, OTHER));
      changeAccepted();

      const result = await handler(event({ mode: 'records' }));

      expect(aws.route53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
        HostedZoneId: ZONE,
        ChangeBatch: { Comment: expect.stringContaining(EXECUTION.executionId), Changes: expect.any(Array) },
      });
      expect(changesSent()).toStrictEqual([
        {
          Action: 'UPSERT',
          ResourceRecordSet: {
            Name: `${NAME}.`,
            Type: 'CNAME',
            SetIdentifier: 'primary-us-east-1',
            Failover: 'PRIMARY',
            HealthCheckId: 'calculated-check-id',
            TTL: 60,
            ResourceRecords: [{ Value: 'us-west-2.origin.photos.example.com' }],
          },
        },
      ]);
      expect(aws.cloudwatch).not.toHaveReceivedAnyCommand();
      expect(result).toMatchObject({
        action: 'changed',
        summary: expect.stringContaining('UPSERTed CNAME primary-us-east-1 of origin.photos.example.com'),
      });
      expect(result.details).toStrictEqual({
        mode: 'records',
        hostedZoneId: ZONE,
        recordName: NAME,
        previousPrimaryTargets: [{ type: 'CNAME', values: ['us-east-1.origin.photos.example.com'], ttl: 60 }],
        upserted: ['CNAME primary-us-east-1'],
        changeId: '/change/C1',
      });
    });

    test('the change never touches the SECONDARY and never flips the PRIMARY’s role (AWS would refuse; moto accepts)', async () => {
      aws.route53.on(ListResourceRecordSetsCommand).resolves(records(PRIMARY_CNAME, SECONDARY_CNAME));
      changeAccepted();

      await handler(event({ mode: 'records' }));

      const upserted = changesSent().map((c) => c.ResourceRecordSet);
      expect(upserted.map((r) => [r?.SetIdentifier, r?.Failover])).toEqual([['primary-us-east-1', 'PRIMARY']]);
    });

    test('a rerun after the switch reports unchanged and sends no change', async () => {
      const switched = { ...PRIMARY_CNAME, ResourceRecords: SECONDARY_CNAME.ResourceRecords };
      aws.route53.on(ListResourceRecordSetsCommand).resolves(records(switched, SECONDARY_CNAME));

      const result = await handler(event({ mode: 'records' }));

      expect(result.action).toBe('unchanged');
      expect(result.details).toMatchObject({
        previousPrimaryTargets: [{ type: 'CNAME', values: ['us-west-2.origin.photos.example.com'], ttl: 60 }],
        upserted: [],
      });
      expect(aws.commandsSent()).toEqual(['ListResourceRecordSetsCommand']);
    });

    test('a dry run plans the UPSERT and sends nothing but the read', async () => {
      aws.route53.on(ListResourceRecordSetsCommand).resolves(records(PRIMARY_CNAME, SECONDARY_CNAME));

      const result = await handler(event({ mode: 'records', dryRun: true }));

      expect(result).toMatchObject({
        action: 'planned',
        summary: "would UPSERT CNAME primary-us-east-1 of origin.photos.example.com to the SECONDARY's target",
        details: { upserted: ['CNAME primary-us-east-1'] },
      });
      expect(aws.commandsSent()).toEqual(['ListResourceRecordSetsCommand']);
    });
  });

  describe('alias records', () => {
    test('reads the records, then UPSERTs the PRIMARY with the SECONDARY target and every other field kept', async () => {
      aws.route53.on(ListResourceRecordSetsCommand).resolves(records(PRIMARY, SECONDARY, OTHER));
      changeAccepted();

      const result = await handler(event({ mode: 'records' }));

      expect(aws.route53).toHaveReceivedCommandWith(ListResourceRecordSetsCommand, {
        HostedZoneId: ZONE,
        StartRecordName: NAME,
      });
      expect(changesSent()).toStrictEqual([
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
      ]);
      expect(aws.cloudwatch).not.toHaveReceivedAnyCommand();
      expect(result).toMatchObject({ action: 'changed', details: { changeId: '/change/C1' } });
    });

    test('with a pair of each type, only the two PRIMARY records change, each keeping its role', async () => {
      const AAAA_PRIMARY = { ...PRIMARY, Type: 'AAAA' as const };
      const AAAA_SECONDARY = { ...SECONDARY, Type: 'AAAA' as const };
      aws.route53.on(ListResourceRecordSetsCommand).resolves(records(PRIMARY, SECONDARY, AAAA_PRIMARY, AAAA_SECONDARY));
      changeAccepted();

      await handler(event({ mode: 'records' }));

      expect(
        changesSent().map((c) => [
          c.Action,
          c.ResourceRecordSet?.Type,
          c.ResourceRecordSet?.SetIdentifier,
          c.ResourceRecordSet?.Failover,
        ]),
      ).toEqual([
        ['UPSERT', 'A', 'primary', 'PRIMARY'],
        ['UPSERT', 'AAAA', 'primary', 'PRIMARY'],
      ]);
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
  });

  test.each([
    [
      'two PRIMARY records',
      [PRIMARY_CNAME, { ...PRIMARY_CNAME, SetIdentifier: 'other' }, SECONDARY_CNAME],
      'UnexpectedState',
    ],
    ['no SECONDARY', [PRIMARY_CNAME], 'UnexpectedState'],
    ['no failover record', [OTHER], 'ResourceNotFound'],
  ])('a zone with %s is refused untouched', async (_label, sets, name) => {
    aws.route53.on(ListResourceRecordSetsCommand).resolves(records(...sets));

    await expect(handler(event({ mode: 'records' }))).rejects.toMatchObject({ name });
    expect(aws.route53).not.toHaveReceivedCommand(ChangeResourceRecordSetsCommand);
  });

  test('PriorRequestNotComplete is TransientAwsError, for the state machine to retry', async () => {
    aws.route53.on(ListResourceRecordSetsCommand).resolves(records(PRIMARY_CNAME, SECONDARY_CNAME));
    aws.route53
      .on(ChangeResourceRecordSetsCommand)
      .rejects(new PriorRequestNotComplete({ message: 'busy', $metadata: {} }));

    await expect(handler(event({ mode: 'records' }))).rejects.toMatchObject({ name: 'TransientAwsError' });
  });

  test('an unknown mode is refused naming the field', async () => {
    await expect(handler(event({ mode: 'dns' }))).rejects.toThrow(/mode: got "dns"; allowed: one of alarm, records/);
  });
});
