import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { RDSClient } from '@aws-sdk/client-rds';
import { type ResourceRecordSet, Route53Client } from '@aws-sdk/client-route-53';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { logger } from '../../lambda/shared/step';
import 'aws-sdk-client-mock-jest';

// The handlers' JSON logs are not what these tests look at.
logger.setLogLevel('SILENT');
process.env.AWS_REGION = 'us-west-2';

/** Every client class the handlers use, mocked (all instances of each). */
export function mockAws() {
  const mocks = {
    autoscaling: mockClient(AutoScalingClient),
    cloudwatch: mockClient(CloudWatchClient),
    rds: mockClient(RDSClient),
    route53: mockClient(Route53Client),
    ssm: mockClient(SSMClient),
  };
  return {
    ...mocks,
    reset() {
      for (const mock of Object.values(mocks)) mock.reset();
    },
    /** Names of every command sent to any client, in order per client. */
    commandsSent(): string[] {
      const stubs: { calls(): { args: unknown[] }[] }[] = Object.values(mocks);
      return stubs.flatMap((mock) =>
        mock.calls().map((call) => (call.args[0] as { constructor: { name: string } }).constructor.name),
      );
    },
  };
}

export const EXECUTION = { executionId: 'arn:aws:states:us-west-2:123456789012:execution:runbook:test' };

/** An AWS SDK error as a service answers it. */
export function awsError(name: string, message = `${name} from the service`, status = 400): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

export const THROTTLING = () =>
  Object.assign(awsError('Throttling', 'Rate exceeded'), { $retryable: { throttling: true } });

/** DescribeDBInstances output for the standby instance. */
export function dbInstance(fields: {
  status?: string;
  replicaOf?: string;
  multiAz?: boolean;
  pendingMultiAz?: boolean;
}) {
  return {
    DBInstances: [
      {
        DBInstanceIdentifier: 'photo-prod-db-standby',
        DBInstanceStatus: fields.status ?? 'available',
        ReadReplicaSourceDBInstanceIdentifier: fields.replicaOf,
        MultiAZ: fields.multiAz ?? false,
        PendingModifiedValues: fields.pendingMultiAz ? { MultiAZ: true } : {},
        BackupRetentionPeriod: 0,
      },
    ],
  };
}

export const PRIMARY_ARN = 'arn:aws:rds:us-east-1:123456789012:db:photo-prod-db';

/** DescribeAutoScalingGroups output with `inService` healthy instances. */
export function group(size: { min: number; desired: number; max: number }, inService = size.desired) {
  return {
    AutoScalingGroups: [
      {
        AutoScalingGroupName: 'photo-prod-fleet-standby',
        MinSize: size.min,
        DesiredCapacity: size.desired,
        MaxSize: size.max,
        Instances: Array.from({ length: inService }, (_, i) => ({
          InstanceId: `i-${i}`,
          LifecycleState: 'InService',
          HealthStatus: 'Healthy',
          AvailabilityZone: 'us-west-2a',
          ProtectedFromScaleIn: false,
        })),
        DefaultCooldown: 300,
        AvailabilityZones: ['us-west-2a'],
        HealthCheckType: 'ELB',
        CreatedTime: new Date(),
      },
    ],
  } as never;
}

/** GetMetricData output with one ReplicaLag series. */
export function lagSeries(values: number[]) {
  const now = Date.now();
  return {
    MetricDataResults: [
      {
        Id: 'lag',
        Values: values,
        Timestamps: values.map((_, i) => new Date(now - (i + 1) * 60_000)),
        StatusCode: 'Complete',
      },
    ],
  } as never;
}

/**
 * The origin's failover pair as production declares it (lib/origin-failover.ts, in the Primary and Standby
 * templates): one CNAME per region to that region's origin name, the configured TTL, and the calculated health
 * check on the PRIMARY only.
 */
export const ORIGIN_RECORD_NAME = 'origin.photos.example.com';
export const PRIMARY_CNAME: ResourceRecordSet = {
  Name: `${ORIGIN_RECORD_NAME}.`,
  Type: 'CNAME',
  SetIdentifier: 'primary-us-east-1',
  Failover: 'PRIMARY',
  HealthCheckId: 'calculated-check-id',
  TTL: 60,
  ResourceRecords: [{ Value: 'us-east-1.origin.photos.example.com' }],
};
export const SECONDARY_CNAME: ResourceRecordSet = {
  Name: `${ORIGIN_RECORD_NAME}.`,
  Type: 'CNAME',
  SetIdentifier: 'standby-us-west-2',
  Failover: 'SECONDARY',
  TTL: 60,
  ResourceRecords: [{ Value: 'us-west-2.origin.photos.example.com' }],
};
