import { type CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { send } from './aws';
import { ResourceNotFoundError } from './errors';

/** What the runbook needs to know about the standby database instance. */
export interface DatabaseState {
  readonly identifier: string;
  readonly status: string;
  /** The instance it replicates from, while it is a read replica; absent once standalone. */
  readonly replicaSource?: string;
  readonly multiAz: boolean;
  /** Multi-AZ has been requested and is being applied. */
  readonly multiAzPending: boolean;
  readonly backupRetentionDays: number;
}

/** DescribeDBInstances for one instance; a missing instance is `ResourceNotFound`. */
export async function describeDatabase(rds: RDSClient, identifier: string): Promise<DatabaseState> {
  const out = await send(`DescribeDBInstances ${identifier}`, () =>
    rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier })),
  );
  const instance = out.DBInstances?.find((db) => db.DBInstanceIdentifier === identifier);
  if (!instance) throw new ResourceNotFoundError(`DescribeDBInstances ${identifier} returned no such instance`);
  return {
    identifier,
    status: instance.DBInstanceStatus ?? 'unknown',
    replicaSource: instance.ReadReplicaSourceDBInstanceIdentifier || undefined,
    multiAz: instance.MultiAZ === true,
    multiAzPending: instance.PendingModifiedValues?.MultiAZ === true,
    backupRetentionDays: instance.BackupRetentionPeriod ?? 0,
  };
}

/** The newest replica lag datapoint, or none when CloudWatch has no usable one in the window. */
export interface ReplicaLag {
  readonly seconds: number | null;
  readonly observedAt: string | null;
}

/**
 * The newest `AWS/RDS ReplicaLag` datapoint of `identifier` in the last `windowMinutes` minutes
 * (one-minute maxima). RDS reports -1 while it cannot measure the lag; such points are skipped.
 */
export async function readReplicaLag(
  cloudwatch: CloudWatchClient,
  identifier: string,
  windowMinutes = 10,
  now = new Date(),
): Promise<ReplicaLag> {
  const out = await send(`GetMetricData AWS/RDS ReplicaLag ${identifier}`, () =>
    cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now.getTime() - windowMinutes * 60_000),
        EndTime: now,
        ScanBy: 'TimestampDescending',
        MetricDataQueries: [
          {
            Id: 'lag',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/RDS',
                MetricName: 'ReplicaLag',
                Dimensions: [{ Name: 'DBInstanceIdentifier', Value: identifier }],
              },
              Period: 60,
              Stat: 'Maximum',
            },
            ReturnData: true,
          },
        ],
      }),
    ),
  );
  const series = out.MetricDataResults?.find((r) => r.Id === 'lag');
  const points = (series?.Timestamps ?? [])
    .map((t, i) => ({ at: new Date(t), value: series?.Values?.[i] }))
    .filter((p): p is { at: Date; value: number } => typeof p.value === 'number' && p.value >= 0)
    .sort((a, b) => b.at.getTime() - a.at.getTime());
  const newest = points[0];
  return newest ? { seconds: newest.value, observedAt: newest.at.toISOString() } : { seconds: null, observedAt: null };
}
