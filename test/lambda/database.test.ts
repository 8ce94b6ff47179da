import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DBInstanceNotFoundFault,
  DescribeDBInstancesCommand,
  InvalidDBInstanceStateFault,
  ModifyDBInstanceCommand,
  PromoteReadReplicaCommand,
} from '@aws-sdk/client-rds';
import { handler as checkPromotion } from '../../lambda/check-promotion';
import { handler as enableMultiAz } from '../../lambda/enable-multi-az';
import { handler as promote } from '../../lambda/promote-database';
import { dbInstance, EXECUTION, lagSeries, mockAws, PRIMARY_ARN, THROTTLING } from './helpers';

const aws = mockAws();
beforeEach(() => aws.reset());

const ID = 'photo-prod-db-standby';
const promoteEvent = (fields: Record<string, unknown> = {}) => ({
  ...EXECUTION,
  dryRun: false,
  dbInstanceIdentifier: ID,
  backupRetentionDays: 30,
  ...fields,
});

describe('promote-database', () => {
  test('promotes an available replica with the backup retention, after reading its lag', async () => {
    aws.rds.on(DescribeDBInstancesCommand).resolves(dbInstance({ replicaOf: PRIMARY_ARN }));
    aws.cloudwatch.on(GetMetricDataCommand).resolves(lagSeries([4, 3]));

    const result = await promote(promoteEvent());

    expect(aws.rds).toHaveReceivedCommandWith(PromoteReadReplicaCommand, {
      DBInstanceIdentifier: ID,
      BackupRetentionPeriod: 30,
    });
    expect(aws.cloudwatch).toHaveReceivedCommandWith(GetMetricDataCommand, {
      MetricDataQueries: [
        expect.objectContaining({
          MetricStat: expect.objectContaining({
            Metric: {
              Namespace: 'AWS/RDS',
              MetricName: 'ReplicaLag',
              Dimensions: [{ Name: 'DBInstanceIdentifier', Value: ID }],
            },
          }),
        }),
      ],
    });
    expect(result).toMatchObject({
      action: 'changed',
      details: { promotionRequested: true, lagAtPromotion: { seconds: 4 } },
    });
  });

  test('promoting twice promotes once', async () => {
    aws.rds
      .on(DescribeDBInstancesCommand)
      .resolvesOnce(dbInstance({ replicaOf: PRIMARY_ARN }))
      // RDS still names the source while the promotion runs, then drops it.
      .resolvesOnce(dbInstance({ replicaOf: PRIMARY_ARN, status: 'modifying' }))
      .resolves(dbInstance({}));
    aws.cloudwatch.on(GetMetricDataCommand).resolves(lagSeries([1]));

    const first = await promote(promoteEvent());
    const second = await promote(promoteEvent());
    const third = await promote(promoteEvent());

    expect(aws.rds).toHaveReceivedCommandTimes(PromoteReadReplicaCommand, 1);
    expect([first.action, second.action, third.action]).toEqual(['changed', 'pending', 'unchanged']);
  });

  test('an instance that is already standalone counts as done', async () => {
    aws.rds.on(DescribeDBInstancesCommand).resolves(dbInstance({}));

    const result = await promote(promoteEvent());

    expect(aws.rds).not.toHaveReceivedCommand(PromoteReadReplicaCommand);
    expect(result).toMatchObject({ action: 'unchanged', details: { promotionRequested: true } });
  });

  test('a dry run reads the replica and its lag and promotes nothing', async () => {
    aws.rds.on(DescribeDBInstancesCommand).resolves(dbInstance({ replicaOf: PRIMARY_ARN }));
    aws.cloudwatch.on(GetMetricDataCommand).resolves(lagSeries([2]));

    const result = await promote(promoteEvent({ dryRun: true }));

    expect(aws.rds).not.toHaveReceivedCommand(PromoteReadReplicaCommand);
    expect(result).toMatchObject({ action: 'planned', details: { promotionRequested: false } });
  });

  test('InvalidDBInstanceState at promotion leaves it to the check, without a second call', async () => {
    aws.rds.on(DescribeDBInstancesCommand).resolves(dbInstance({ replicaOf: PRIMARY_ARN }));
    aws.rds
      .on(PromoteReadReplicaCommand)
      .rejects(new InvalidDBInstanceStateFault({ message: 'is not available', $metadata: {} }));
    aws.cloudwatch.on(GetMetricDataCommand).resolves(lagSeries([]));

    const result = await promote(promoteEvent());

    expect(result).toMatchObject({ action: 'pending', details: { promotionRequested: false } });
    expect(aws.rds).toHaveReceivedCommandTimes(PromoteReadReplicaCommand, 1);
  });

  test('a busy replica is not promoted yet', async () => {
    aws.rds.on(DescribeDBInstancesCommand).resolves(dbInstance({ replicaOf: PRIMARY_ARN, status: 'backing-up' }));

    const result = await promote(promoteEvent());

    expect(result.action).toBe('pending');
    expect(aws.rds).not.toHaveReceivedCommand(PromoteReadReplicaCommand);
  });

  test('DBInstanceNotFound is ResourceNotFound naming the instance', async () => {
    aws.rds
      .on(DescribeDBInstancesCommand)
      .rejects(new DBInstanceNotFoundFault({ message: `DBInstance ${ID} not found.`, $metadata: {} }));

    await expect(promote(promoteEvent())).rejects.toMatchObject({
      name: 'ResourceNotFound',
      message: `promote-database: DescribeDBInstances ${ID} failed with DBInstanceNotFoundFault: DBInstance ${ID} not found.`,
    });
  });

  test('throttling is TransientAwsError, for the state machine to retry', async () => {
    aws.rds.on(DescribeDBInstancesCommand).rejects(THROTTLING());

    await expect(promote(promoteEvent())).rejects.toMatchObject({ name: 'TransientAwsError' });
  });

  test.each([
    [
      'backupRetentionDays 0',
      { backupRetentionDays: 0 },
      /backupRetentionDays: got 0; allowed: an integer from 1 to 35/,
    ],
    ['an empty identifier', { dbInstanceIdentifier: '' }, /dbInstanceIdentifier: got ""/],
    [
      'no dryRun',
      { dryRun: undefined },
      /dryRun: got nothing; allowed: true \(run every check, change nothing\) or false/,
    ],
  ])('%s is refused before any AWS call', async (_label, fields, message) => {
    await expect(promote(promoteEvent(fields))).rejects.toThrow(message);
    expect(aws.commandsSent()).toEqual([]);
  });
});

describe('check-promotion', () => {
  const checkEvent = (fields: Record<string, unknown> = {}) => ({
    ...EXECUTION,
    dryRun: false,
    dbInstanceIdentifier: ID,
    promotionRequested: true,
    waitingSince: new Date().toISOString(),
    timeoutSeconds: 420,
    ...fields,
  });

  test.each([
    ['standalone and available', 'promoted', dbInstance({}), true],
    ['standalone and rebooting', 'promoting', dbInstance({ status: 'rebooting' }), true],
    ['a replica still modifying', 'promoting', dbInstance({ replicaOf: PRIMARY_ARN, status: 'modifying' }), true],
    ['a replica just asked to promote', 'promoting', dbInstance({ replicaOf: PRIMARY_ARN }), true],
    ['an available replica nobody asked to promote', 'not-started', dbInstance({ replicaOf: PRIMARY_ARN }), false],
  ])('%s is %s', async (_label, state, describe, promotionRequested) => {
    aws.rds.on(DescribeDBInstancesCommand).resolves(describe);

    const result = await checkPromotion(checkEvent({ promotionRequested }));

    expect(result.details).toMatchObject({ state });
    expect(aws.commandsSent()).toEqual(['DescribeDBInstancesCommand']);
  });

  test('a promotion past its bound fails with StepTimedOut', async () => {
    aws.rds.on(DescribeDBInstancesCommand).resolves(dbInstance({ replicaOf: PRIMARY_ARN, status: 'modifying' }));

    await expect(
      checkPromotion(checkEvent({ waitingSince: new Date(Date.now() - 3_600_000).toISOString() })),
    ).rejects.toMatchObject({ name: 'StepTimedOut', message: expect.stringContaining('the promotion bound is 420 s') });
  });

  test('a bad timestamp is refused naming the field', async () => {
    await expect(checkPromotion(checkEvent({ waitingSince: 'yesterday' }))).rejects.toThrow(
      /waitingSince: got "yesterday"; allowed: an ISO 8601 UTC timestamp/,
    );
  });
});

describe('enable-multi-az', () => {
  const multiAzEvent = (dryRun = false) => ({ ...EXECUTION, dryRun, dbInstanceIdentifier: ID });

  test('turns Multi-AZ on, applied immediately', async () => {
    aws.rds.on(DescribeDBInstancesCommand).resolves(dbInstance({}));

    const result = await enableMultiAz(multiAzEvent());

    expect(aws.rds).toHaveReceivedCommandWith(ModifyDBInstanceCommand, {
      DBInstanceIdentifier: ID,
      MultiAZ: true,
      ApplyImmediately: true,
    });
    expect(result.action).toBe('changed');
  });

  test.each([
    ['on', dbInstance({ multiAz: true })],
    ['pending', dbInstance({ pendingMultiAz: true })],
  ])('Multi-AZ already %s gets no call', async (_label, describe) => {
    aws.rds.on(DescribeDBInstancesCommand).resolves(describe);

    expect((await enableMultiAz(multiAzEvent())).action).toBe('unchanged');
    expect(aws.rds).not.toHaveReceivedCommand(ModifyDBInstanceCommand);
  });

  test('a dry run sends no ModifyDBInstance', async () => {
    aws.rds.on(DescribeDBInstancesCommand).resolves(dbInstance({ replicaOf: PRIMARY_ARN }));

    expect((await enableMultiAz(multiAzEvent(true))).action).toBe('planned');
    expect(aws.rds).not.toHaveReceivedCommand(ModifyDBInstanceCommand);
  });

  test('a replica is refused: Multi-AZ comes after the promotion', async () => {
    aws.rds.on(DescribeDBInstancesCommand).resolves(dbInstance({ replicaOf: PRIMARY_ARN }));

    await expect(enableMultiAz(multiAzEvent())).rejects.toMatchObject({ name: 'UnexpectedState' });
    expect(aws.rds).not.toHaveReceivedCommand(ModifyDBInstanceCommand);
  });

  test('InvalidDBInstanceState is ResourceBusy, for the state machine to retry later', async () => {
    aws.rds.on(DescribeDBInstancesCommand).resolves(dbInstance({ status: 'backing-up' }));
    aws.rds
      .on(ModifyDBInstanceCommand)
      .rejects(new InvalidDBInstanceStateFault({ message: 'backing up', $metadata: {} }));

    await expect(enableMultiAz(multiAzEvent())).rejects.toMatchObject({ name: 'ResourceBusy' });
  });
});
