import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { handler as checkPromotion } from '../../lambda/check-promotion';
import { IN_PROGRESS_METRIC_ENV } from '../../lib/runbook-steps';
import { awsError, dbInstance, EXECUTION, mockAws } from './helpers';

const aws = mockAws();
const METRIC = {
  namespace: 'photo-prod/failover',
  metricName: 'FailoverInProgress',
  dimensions: { Region: 'us-west-2' },
};
const event = { ...EXECUTION, dryRun: false, dbInstanceIdentifier: 'photo-prod-db-standby', promotionRequested: true };
const polled = () => ({ ...event, waitingSince: new Date().toISOString(), timeoutSeconds: 420 });

beforeEach(() => {
  aws.reset();
  aws.rds.on(DescribeDBInstancesCommand).resolves(dbInstance({}));
});
afterEach(() => {
  delete process.env[IN_PROGRESS_METRIC_ENV];
});

describe('the failover-in-progress datapoint', () => {
  test('every step writes 1 to the configured metric, with its dimensions, after it finishes', async () => {
    process.env[IN_PROGRESS_METRIC_ENV] = JSON.stringify(METRIC);

    await checkPromotion(polled());

    expect(aws.cloudwatch).toHaveReceivedCommandTimes(PutMetricDataCommand, 1);
    expect(aws.cloudwatch).toHaveReceivedCommandWith(PutMetricDataCommand, {
      Namespace: 'photo-prod/failover',
      MetricData: [
        expect.objectContaining({
          MetricName: 'FailoverInProgress',
          Dimensions: [{ Name: 'Region', Value: 'us-west-2' }],
          Value: 1,
        }),
      ],
    });
  });

  test('a lost datapoint never fails the step', async () => {
    process.env[IN_PROGRESS_METRIC_ENV] = JSON.stringify(METRIC);
    aws.cloudwatch.on(PutMetricDataCommand).rejects(awsError('ThrottlingException'));

    await expect(checkPromotion(polled())).resolves.toMatchObject({ step: 'check-promotion' });
  });

  test('nothing is written when the metric is not configured', async () => {
    await checkPromotion(polled());

    expect(aws.cloudwatch).toHaveReceivedCommandTimes(PutMetricDataCommand, 0);
  });

  test('a step that fails writes no datapoint, so the suppression lapses on its own', async () => {
    process.env[IN_PROGRESS_METRIC_ENV] = JSON.stringify(METRIC);
    aws.rds
      .on(DescribeDBInstancesCommand)
      .rejects(awsError('DBInstanceNotFound', 'DBInstance photo-prod-db-standby not found', 404));

    await expect(checkPromotion(polled())).rejects.toThrow();
    expect(aws.cloudwatch).toHaveReceivedCommandTimes(PutMetricDataCommand, 0);
  });
});
