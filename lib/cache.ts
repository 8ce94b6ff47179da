import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { CacheConfig } from './config/data';

/** Properties of {@link Cache}. */
export interface CacheProps {
  /** Engine, node type, shard layout, windows and snapshots. */
  readonly config: CacheConfig;

  /** The VPC; nodes go into its isolated subnets. */
  readonly vpc: ec2.IVpc;

  /** The region's Availability Zones; shard primaries and replicas rotate over them. */
  readonly availabilityZones: readonly string[];

  /** Replication group id (lowercase, at most 40 characters); hourly snapshots are named after it. */
  readonly replicationGroupId: string;

  /** Encrypts the data at rest, the snapshots and the AUTH token secret. */
  readonly encryptionKey: kms.IKey;

  /** Security groups admitted on the Redis port (the service fleet); no CIDR is ever admitted. */
  readonly clientSecurityGroups: readonly ec2.ISecurityGroup[];
}

/**
 * ElastiCache for Redis OSS with cluster mode enabled: shards spread over the AZs (each shard's
 * replicas in other AZs than its primary), Multi-AZ with automatic failover, KMS encryption at rest,
 * TLS required in transit, an AUTH token from Secrets Manager, daily automatic snapshots and, where
 * configured, an hourly snapshot ring driven by EventBridge Scheduler.
 *
 * How the seed's persistence maps onto ElastiCache: "RDB snapshots every hour" is the hourly ring
 * below (24 manual snapshots named `<group>-hourly-HH`, each replaced a day later) on top of the
 * daily automatic snapshot. "AOF every second" has no ElastiCache equivalent: ElastiCache does not
 * support append-only files on cluster-mode Redis (nor on Redis 2.8.22 and later at all). The
 * durability it stood for comes from the replica of each shard in another AZ, kept in sync by
 * asynchronous replication, with Multi-AZ automatic failover: a node loss costs at most the
 * writes still in flight to the replica (typically well under a second), not the data set. The
 * cache holds no data that PostgreSQL does not.
 */
export class Cache extends Construct {
  readonly replicationGroup: elasticache.CfnReplicationGroup;

  /** Admits the client security groups on the Redis port. */
  readonly securityGroup: ec2.SecurityGroup;

  /** The AUTH token clients send (`AUTH <token>`), generated without punctuation. */
  readonly authToken: secretsmanager.Secret;

  /** The cluster's configuration endpoint (cluster-mode clients discover the shards from it). */
  readonly configurationEndpointAddress: string;

  /** The Redis port. */
  readonly port: number;

  /** The hourly snapshot schedules (create and delete, 24 of each), when enabled. */
  readonly snapshotSchedules: readonly scheduler.Schedule[];

  /**
   * The `CacheClusterId` of every node, as ElastiCache names them in cluster mode
   * (`<group>-<shard>-<node>`, such as `photo-prod-cache-primary-0001-002`): the dimension of the
   * per-node CloudWatch metrics, which have no replication-group dimension.
   */
  readonly nodeClusterIds: readonly string[];

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    validateProps(props);
    const { config } = props;
    const azs = props.availabilityZones;
    this.port = config.port;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Redis: admits the service fleet on the Redis port',
      allowAllOutbound: false,
    });
    for (const client of props.clientSecurityGroups) {
      this.securityGroup.addIngressRule(client, ec2.Port.tcp(config.port), 'Redis from the service fleet');
    }

    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'Subnets', {
      description: 'Isolated subnets of the Redis cluster, one per AZ',
      subnetIds: props.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }).subnetIds,
    });

    // ElastiCache accepts printable ASCII but not every symbol; letters and digits only, 64 long.
    // Known gap: ElastiCache has no hosted rotation for AUTH tokens, so this secret is not rotated
    // (acknowledged in lib/nag-acknowledgements.ts); rotating means ModifyReplicationGroup with
    // AuthTokenUpdateStrategy ROTATE then SET, which a later runbook step can own.
    this.authToken = new secretsmanager.Secret(this, 'AuthToken', {
      description: 'AUTH token of the Redis cluster',
      encryptionKey: props.encryptionKey,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupId: props.replicationGroupId,
      replicationGroupDescription: 'photo-platform cache (cluster mode enabled)',
      engine: 'redis',
      engineVersion: config.engineVersion,
      cacheNodeType: config.nodeType,
      cacheParameterGroupName: `default.redis${config.engineVersion.split('.')[0]}.cluster.on`,
      port: config.port,
      numNodeGroups: config.shards,
      replicasPerNodeGroup: config.replicasPerShard,
      nodeGroupConfiguration: Array.from({ length: config.shards }, (_, shard) => ({
        nodeGroupId: nodeGroupId(shard),
        primaryAvailabilityZone: azs[shard % azs.length],
        replicaAvailabilityZones: Array.from(
          { length: config.replicasPerShard },
          (_, replica) => azs[(shard + replica + 1) % azs.length],
        ),
      })),
      automaticFailoverEnabled: config.automaticFailover,
      multiAzEnabled: config.multiAz,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
      atRestEncryptionEnabled: true,
      kmsKeyId: props.encryptionKey.keyArn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      authToken: this.authToken.secretValue.unsafeUnwrap(),
      snapshotRetentionLimit: config.snapshotRetentionDays,
      snapshotWindow: config.snapshotWindow,
      preferredMaintenanceWindow: config.maintenanceWindow,
      autoMinorVersionUpgrade: true,
    });
    // A final snapshot is taken when the stack deletes the cluster.
    this.replicationGroup.applyRemovalPolicy(RemovalPolicy.SNAPSHOT);
    this.configurationEndpointAddress = this.replicationGroup.attrConfigurationEndPointAddress;

    this.snapshotSchedules = config.hourlySnapshots ? this.scheduleHourlySnapshots(props) : [];
    this.nodeClusterIds = Array.from({ length: config.shards }, (_, shard) =>
      Array.from(
        { length: config.replicasPerShard + 1 },
        (_, node) => `${props.replicationGroupId}-${nodeGroupId(shard)}-${String(node + 1).padStart(3, '0')}`,
      ),
    ).flat();
  }

  /**
   * A ring of 24 manual snapshots, `<group>-hourly-00` to `-23`: at HH:00 the snapshot of the same
   * hour yesterday is deleted, at HH:10 a new one is taken under its name. Manual snapshots never
   * expire on their own, so the ring bounds their number. Scheduler does not retry: a failed
   * create (for example while the daily snapshot runs) leaves one hour of the ring empty until the
   * next day, and the very first deletes find nothing to delete.
   */
  private scheduleHourlySnapshots(props: CacheProps): scheduler.Schedule[] {
    const { account, region, partition } = Stack.of(this);
    const groupId = props.replicationGroupId;
    const arn = (resource: string) => `arn:${partition}:elasticache:${region}:${account}:${resource}`;
    const hours = Array.from({ length: 24 }, (_, hour) => String(hour).padStart(2, '0'));
    const snapshotName = (hh: string) => `${groupId}-hourly-${hh}`;
    // Every ARN is listed (the group and the ring's 24 snapshot names), no wildcard.
    const snapshotArns = hours.map((hh) => arn(`snapshot:${snapshotName(hh)}`));

    const group = new scheduler.ScheduleGroup(this, 'SnapshotSchedules', {
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, 'SnapshotSchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
      description: 'Takes and prunes the hourly Redis snapshots',
    });
    role.attachInlinePolicy(
      new iam.Policy(this, 'SnapshotSchedulerPolicy', {
        statements: [
          new iam.PolicyStatement({
            actions: ['elasticache:CreateSnapshot'],
            resources: [arn(`replicationgroup:${groupId}`), ...snapshotArns],
          }),
          new iam.PolicyStatement({ actions: ['elasticache:DeleteSnapshot'], resources: snapshotArns }),
          new iam.PolicyStatement({
            actions: ['kms:CreateGrant', 'kms:DescribeKey', 'kms:Decrypt', 'kms:GenerateDataKey'],
            resources: [props.encryptionKey.keyArn],
          }),
        ],
      }),
    );

    const schedules: scheduler.Schedule[] = [];
    for (const [hour, hh] of hours.entries()) {
      schedules.push(
        new scheduler.Schedule(this, `DeleteSnapshot${hh}`, {
          scheduleGroup: group,
          description: `Deletes yesterday's ${hh}:10 UTC Redis snapshot`,
          schedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: String(hour) }),
          target: new PreAuthorizedUniversal({
            service: 'elasticache',
            action: 'deleteSnapshot',
            role,
            input: scheduler.ScheduleTargetInput.fromObject({ SnapshotName: snapshotName(hh) }),
            retryAttempts: 0,
          }),
        }),
        new scheduler.Schedule(this, `CreateSnapshot${hh}`, {
          scheduleGroup: group,
          description: `Takes the ${hh}:10 UTC Redis snapshot`,
          schedule: scheduler.ScheduleExpression.cron({ minute: '10', hour: String(hour) }),
          target: new PreAuthorizedUniversal({
            service: 'elasticache',
            action: 'createSnapshot',
            role,
            input: scheduler.ScheduleTargetInput.fromObject({
              ReplicationGroupId: groupId,
              SnapshotName: snapshotName(hh),
              KmsKeyId: props.encryptionKey.keyArn,
            }),
            retryAttempts: 0,
          }),
        }),
      );
    }
    return schedules;
  }
}

/**
 * A universal Scheduler target whose role already holds its permissions. The stock target adds its
 * statements to the role once per schedule; with 48 schedules on one role that repeats them until
 * the policy overflows.
 */
class PreAuthorizedUniversal extends targets.Universal {
  protected override addTargetActionToRole(): void {
    // The role's SnapshotSchedulerPolicy already grants both actions on the listed resources.
  }
}

/** The id of the 0-based `shard`'s node group: `0001`, `0002`... */
function nodeGroupId(shard: number): string {
  return String(shard + 1).padStart(4, '0');
}

function validateProps(props: CacheProps): void {
  const { config } = props;
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(props.replicationGroupId) || /--|-$/.test(props.replicationGroupId)) {
    throw new Error(
      `Cache: replicationGroupId is ${JSON.stringify(props.replicationGroupId)}; allowed: 1 to 40 lowercase ` +
        'letters, digits and single hyphens, starting with a letter and not ending with a hyphen',
    );
  }
  if (config.automaticFailover && config.replicasPerShard < 1) {
    throw new Error(
      `Cache: config.automaticFailover is true with config.replicasPerShard ${config.replicasPerShard}; ` +
        'allowed: at least 1 replica per shard, or automatic failover off',
    );
  }
  if (props.availabilityZones.length === 0) {
    throw new Error('Cache: availabilityZones is empty; allowed: the Availability Zones of the region');
  }
}
