import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { PlatformConfig } from './config/types';
import { PlatformNames } from './names';

/** Construct ids of the stacks, as `createPlatform` names them. */
export type StackId = 'StandbyFoundation' | 'Primary' | 'Standby' | 'Edge';

/** What a finding id may depend on: the deployment's config and names, and the stack it is in. */
export interface NagFindingContext {
  readonly config: PlatformConfig;
  readonly names: PlatformNames;
  readonly stack: StackId;
}

/** One reviewed exception to the AwsSolutions pack. */
export interface NagAcknowledgement {
  /** The stacks holding the construct. */
  readonly stacks: readonly StackId[];

  /** Construct path inside the stack of the resource (or the L2 construct that owns it). */
  readonly path: string;

  /**
   * The rule id, narrowed to one finding where the rule reports several, for example
   * `AwsSolutions-IAM5[Resource::*]`. A function where the finding names a resource whose name
   * differs per deployment (a bucket named after the account), so that it stays one finding.
   */
  readonly id: string | ((context: NagFindingContext) => string);

  /** Why the finding is acceptable here; reviewed with every change to this list. */
  readonly reason: string;
}

/** How cdk-nag prints the topic ARN `Streaming.clientResourceArns()` builds from the cluster ARN. */
const KAFKA_CLUSTER_ARN_PART = (index: number) =>
  `{"Fn::Select":[${index},{"Fn::Split":[":cluster/",{"Fn::GetAtt":["StreamingClusterB09DA440","Arn"]}]}]}`;
const KAFKA_TOPICS_ARN = `${KAFKA_CLUSTER_ARN_PART(0)}:topic/${KAFKA_CLUSTER_ARN_PART(1)}/*`;

/** Logical ids of the runbook's step functions, as cdk-nag prints them in the state machine's policy. */
const RUNBOOK_STEP_FUNCTION_IDS = [
  'FailoverRunbookStepsCheckPromotion6102C53E',
  'FailoverRunbookStepsEnableMultiAz6B1D9D2E',
  'FailoverRunbookStepsFenceWrites7F72B177',
  'FailoverRunbookStepsPreflight5D8A8785',
  'FailoverRunbookStepsPromoteDatabase5FA261C0',
  'FailoverRunbookStepsReport26E780C1',
  'FailoverRunbookStepsResumeWrites22D52499',
  'FailoverRunbookStepsScaleFleet7742DAF5',
  'FailoverRunbookStepsSwitchTrafficD95A2028',
  'FailoverRunbookStepsVerify03B91069',
];

/**
 * Every acknowledged cdk-nag finding of the platform, in one reviewed place.
 *
 * Each entry names one construct, never a whole stack, so that a new resource breaking the same
 * rule is reported. `test/nag.test.ts` pins the full list of raw findings these entries cover.
 */
export const NAG_ACKNOWLEDGEMENTS: readonly NagAcknowledgement[] = [
  // App fleet (lib/fleet.ts, lib/service-settings.ts)
  {
    stacks: ['Primary', 'Standby'],
    path: 'Fleet/LoadBalancer/SecurityGroup/Resource',
    id: 'AwsSolutions-EC23',
    reason:
      'The internet-facing ALB is the origin of CloudFront and the target of Route 53 health checkers, both of which ' +
      'connect from large, changing public address ranges; port 80 only redirects to HTTPS. The CloudFront ' +
      'origin-facing prefix list alone weighs 55 rules of the 60 a security group holds, and the health-checker ' +
      'ranges have no prefix list that synth can name offline, so the network stays open and the HTTPS listener ' +
      'closes the gap instead: it forwards only requests carrying the origin secret header CloudFront adds, and ' +
      'GET or HEAD of /health for the health checkers; everything else gets a fixed 403 (lib/fleet.ts).',
  },
  {
    stacks: ['Primary', 'Standby'],
    path: 'Fleet/AccessLogs/Resource',
    id: 'AwsSolutions-S1',
    reason:
      'This bucket is itself the ALB access-log destination; only the ELB log-delivery service writes to it, and ' +
      'logging its own accesses into yet another bucket would only move the same finding there.',
  },
  {
    stacks: ['Primary', 'Standby'],
    path: 'Fleet/InstanceRole/Resource',
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]',
    reason:
      'Session Manager replaces SSH on the fleet; AWS maintains this policy in step with the SSM agent, and its ' +
      'actions (ssm, ssmmessages, ec2messages) have no resource scoping an own copy could add.',
  },
  {
    stacks: ['Primary', 'Standby'],
    path: 'Fleet/InstanceRole/DefaultPolicy/Resource',
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'cloudwatch:PutMetricData has no resource type, so it takes Resource "*"; the statement is confined to the ' +
      "fleet's own metric namespace by the cloudwatch:namespace condition.",
  },
  {
    stacks: ['Primary'],
    path: 'ServiceSettings/JwtSigningKey/Resource',
    id: 'AwsSolutions-SMG4',
    reason:
      'Rotating the JWT signing key invalidates every issued token at once unless the service verifies with the old ' +
      'and the new key during an overlap; until the service supports two keys, rotation is a planned manual change.',
  },
  {
    stacks: ['Primary'],
    path: 'OriginVerify/Secret/Resource',
    id: 'AwsSolutions-SMG4',
    reason:
      'The origin secret is a static shared value that CloudFormation copies into CloudFront and both ALBs at deploy ' +
      'time; a rotation function changing it behind CloudFormation would make them disagree (whichever resource ' +
      'CloudFormation next updates resolves the new value, the others keep the old one). It is rotated by a ' +
      'reviewed procedure of two deploys in which the ALBs accept the new and the previous ' +
      'version at once (README, "Rotating the origin secret"; lib/config/edge.ts originVerify.versionIds).',
  },
  {
    stacks: ['Primary'],
    path: 'Database/Replicas',
    id: 'AwsSolutions-RDS2',
    reason:
      'In-region read replicas inherit storage encryption and the KMS key from the encrypted primary; ' +
      'CloudFormation rejects StorageEncrypted beside SourceDBInstanceIdentifier, so the flag nag reads is absent.',
  },
  {
    stacks: ['Primary'],
    path: 'Database/Replicas',
    id: 'AwsSolutions-RDS3',
    reason:
      'Each in-region read replica is single-AZ by design: the replicas are spread one per AZ, so losing an AZ ' +
      'loses one replica of several, while the primary itself is Multi-AZ.',
  },
  {
    stacks: ['Primary'],
    path: 'Database/Replicas',
    id: 'AwsSolutions-RDS11',
    reason:
      'A read replica inherits its engine from the source, so the template has no Engine for nag to read; the ' +
      'replicas listen on the non-default port from config (test/data.test.ts asserts it).',
  },
  {
    stacks: ['Standby'],
    path: 'Database/CrossRegionReplica',
    id: 'AwsSolutions-RDS11',
    reason:
      'A read replica inherits its engine from the source, so the template has no Engine for nag to read; the ' +
      'replica listens on the non-default port from config (test/data.test.ts asserts it).',
  },
  {
    stacks: ['Primary', 'Standby'],
    path: 'Database/MonitoringRole',
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
    reason:
      'The AWS-maintained service role policy for RDS enhanced monitoring grants only the RDSOSMetrics log ' +
      'group actions the monitoring agent needs; AWS keeps it in step with the agent.',
  },
  {
    stacks: ['Primary', 'Standby'],
    path: 'Cache/AuthToken',
    id: 'AwsSolutions-SMG4',
    reason:
      'ElastiCache offers no hosted rotation function for Redis AUTH tokens; rotating needs a two-step ' +
      'ModifyReplicationGroup (ROTATE, then SET) owned by an operations runbook, tracked as a known gap in lib/cache.ts.',
  },
  // Streaming, search and backup (lib/streaming.ts, lib/search.ts, lib/backup.ts)
  {
    stacks: ['Primary', 'Standby'],
    path: 'AWS679f53fac002430cb0da5b7982bd2287/ServiceRole/Resource',
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason:
      "The singleton function behind CDK's AwsCustomResource (MSK bootstrap brokers, the OpenSearch access policy) " +
      'writes its own logs through the AWS-managed basic execution policy, which grants only CloudWatch Logs writes.',
  },
  {
    stacks: ['Primary', 'Standby'],
    path: 'AWS679f53fac002430cb0da5b7982bd2287/ServiceRole/DefaultPolicy/Resource',
    id: 'AwsSolutions-IAM5[Action::kms:Describe*]',
    reason:
      'CDK adds read-only KMS describe actions on the data key for the OpenSearch access-policy update, which ' +
      'validates the encrypted domain; they are scoped to the key ARN.',
  },
  {
    stacks: ['Primary', 'Standby'],
    path: 'AWS679f53fac002430cb0da5b7982bd2287/ServiceRole/DefaultPolicy/Resource',
    id: 'AwsSolutions-IAM5[Action::kms:List*]',
    reason:
      'CDK adds read-only KMS list actions on the data key for the OpenSearch access-policy update, which ' +
      'validates the encrypted domain; they are scoped to the key ARN.',
  },
  {
    stacks: ['Primary', 'Standby'],
    path: 'Search/Domain',
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'CloudWatch Logs resource policies have no resource-level permissions: the function that lets OpenSearch write ' +
      'its slow and error logs must call logs:PutResourcePolicy on "*".',
  },
  {
    stacks: ['Primary', 'Standby'],
    path: 'Search/Domain/Resource',
    id: 'AwsSolutions-OS3',
    reason:
      'The domain lives in isolated subnets behind a security group that admits only the fleet, and its access ' +
      'policy admits only the fleet role with signed requests: an IP allowlist would add nothing.',
  },
  {
    stacks: ['Primary', 'Standby'],
    path: 'Fleet/InstanceRole/DefaultPolicy/Resource',
    id: 'AwsSolutions-IAM5[Resource::<SearchDomain62FD613E.Arn>/*]',
    reason:
      "The service reads and writes its own indexes, whose names are paths under this region's domain ARN; the " +
      'wildcard stays inside the one domain, and fine-grained access control governs each index.',
  },
  {
    stacks: ['Primary', 'Standby'],
    path: 'Fleet/InstanceRole/DefaultPolicy/Resource',
    id: `AwsSolutions-IAM5[Resource::${KAFKA_TOPICS_ARN}]`,
    reason:
      "The outbox relay creates and writes one topic per event type; the wildcard covers the topics of this region's " +
      'cluster only, as the ARN is built from the cluster ARN (name and UUID).',
  },
  {
    stacks: ['Primary'],
    path: 'DatabaseBackup/Plan/Database/Role/Resource',
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
    reason:
      'AWS Backup assumes this role to snapshot and copy the database; the AWS-managed policy is the one AWS keeps ' +
      'in step with the services Backup supports.',
  },
  // Media storage and the edge (lib/media-storage.ts, lib/edge-distribution.ts)
  {
    stacks: ['Primary'],
    path: 'MediaStorage/ReplicationPolicy/Resource',
    id: ({ names }) => `AwsSolutions-IAM5[Resource::${s3Arn(names.mediaBucketName('primary'))}/*]`,
    reason:
      'S3 replication reads object versions (GetObjectVersionForReplication, its ACL and tags) of whichever ' +
      'object changes, so it needs the object wildcard of the source media bucket, and of no other bucket.',
  },
  {
    stacks: ['Primary'],
    path: 'MediaStorage/ReplicationPolicy/Resource',
    id: ({ names }) => `AwsSolutions-IAM5[Resource::${s3Arn(names.mediaBucketName('standby'))}/*]`,
    reason:
      'S3 replication writes replicas, delete markers and tags of whichever object changes, so it needs the object ' +
      'wildcard of the replica bucket in the standby region, and of no other bucket.',
  },
  {
    stacks: ['Primary'],
    path: 'MediaStorage/ReplicationPolicy/Resource',
    id: ({ config }) =>
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:${config.regions.standby.region}:<AWS::AccountId>:key/*]`,
    reason:
      'The replica key is generated in the standby region, which the primary must not read from, so its ID is ' +
      'unknown here; encryption is granted on key/* but confined by kms:ResourceAliases to the data key alias, by ' +
      "kms:ViaService to S3 in that region and by the replica bucket's encryption context.",
  },
  {
    stacks: ['Primary', 'Standby'],
    path: 'MediaAccess/Resource',
    id: ({ names, stack }) =>
      `AwsSolutions-IAM5[Resource::${s3Arn(names.mediaBucketName(stack === 'Primary' ? 'primary' : 'standby'))}/uploads/*]`,
    reason:
      'The service signs upload URLs for, and reads, keys it generates (uploads/<user>/<uuid>.<ext>), so it needs ' +
      "PutObject and GetObject under the uploads/ prefix of its region's media bucket, and nothing else of it.",
  },
  {
    stacks: ['Edge'],
    path: 'Distribution/Resource/Resource',
    id: 'AwsSolutions-CFR3',
    reason:
      'Access logs are on through standard logging v2 (a CloudWatch Logs delivery source, destination and delivery ' +
      'to an S3 bucket without ACLs), which nag does not read; it looks only for the legacy Logging property. ' +
      'test/edge.test.ts asserts the delivery.',
  },
  {
    stacks: ['Edge'],
    path: 'Distribution/Resource/Resource',
    id: 'AwsSolutions-CFR1',
    reason:
      'The photo service is offered worldwide and has no regulatory duty to refuse any country; abuse is handled ' +
      'per client by the WAF rate limit and IP reputation list rather than by country.',
  },
  {
    stacks: ['Edge'],
    path: 'Distribution/AccessLogs/Resource',
    id: 'AwsSolutions-S1',
    reason:
      'This bucket is itself the CloudFront access-log destination; only the CloudWatch Logs delivery service ' +
      'writes to it, and logging its own accesses into yet another bucket would only move the same finding there.',
  },
  // The failover runbook (lib/runbook.ts)
  ...(['Preflight', 'PromoteDatabase', 'ScaleFleet', 'Verify'] as const).map((role) => ({
    stacks: ['Standby'] as const,
    path: `FailoverRunbook/Steps/${role}Role/DefaultPolicy/Resource`,
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'The step reads CloudWatch metrics (GetMetricData) or describes Auto Scaling groups, read-only calls whose ' +
      'service authorization reference lists no resource type, so "*" is the only resource they take; its ' +
      'failover-in-progress datapoint (PutMetricData, no resource type either) is confined by a namespace ' +
      'condition; every other mutating action of the step names its resource.',
  })),
  ...(['SwitchTraffic', 'Report', 'FenceWrites', 'CheckPromotion', 'EnableMultiAz', 'ResumeWrites'] as const).map(
    (role) => ({
      stacks: ['Standby'] as const,
      path: `FailoverRunbook/Steps/${role}Role/DefaultPolicy/Resource`,
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'PutMetricData has no resource type; the statement is confined by a cloudwatch:namespace condition to the ' +
        "runbook's own namespace (the failover switch, the timing report and the failover-in-progress datapoint).",
    }),
  ),
  {
    stacks: ['Standby'],
    path: 'FailoverRunbook/Steps/ScaleFleetRole/DefaultPolicy/Resource',
    id: ({ config }) =>
      `AwsSolutions-IAM5[Resource::arn:aws:autoscaling:${config.regions.standby.region}:${config.account}:` +
      'autoScalingGroup:*:autoScalingGroupName/<FleetGroupASGF037160E>]',
    reason:
      'An Auto Scaling group ARN carries a generated UUID that CloudFormation does not expose; the wildcard stands ' +
      "for that UUID only, and the group name pins the standby's own group.",
  },
  {
    stacks: ['Standby'],
    path: 'FailoverRunbook/StateMachine/Role/DefaultPolicy/Resource',
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'The state machine writes X-Ray traces and delivers its execution logs to CloudWatch Logs; X-Ray segment ' +
      'writes and CloudWatch Logs delivery actions have no resource-level permissions.',
  },
  ...RUNBOOK_STEP_FUNCTION_IDS.map((functionId) => ({
    stacks: ['Standby'] as const,
    path: 'FailoverRunbook/StateMachine/Role/DefaultPolicy/Resource',
    id: `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
    reason:
      'Step Functions invokes the step function by qualified ARN; the wildcard covers the versions and aliases of ' +
      'that one function only.',
  })),
];

/**
 * Records each acknowledgement on its construct, with the finding ids of the deployment `config`
 * describes. Throws when an entry names a construct that does not exist, so that the list cannot
 * keep stale exceptions.
 */
export function acknowledgeNagFindings(
  app: IConstruct,
  config: PlatformConfig,
  acknowledgements = NAG_ACKNOWLEDGEMENTS,
): void {
  const names = new PlatformNames(config);
  for (const ack of acknowledgements) {
    for (const stackId of ack.stacks) {
      const id = nagFindingId(ack, { config, names, stack: stackId });
      const target = findByPath(app, `${stackId}/${ack.path}`);
      if (!target) {
        throw new Error(
          `cdk-nag acknowledgement ${id} names ${stackId}/${ack.path}, which does not exist; ` +
            'update lib/nag-acknowledgements.ts',
        );
      }
      Validations.of(target).acknowledge({ id, reason: ack.reason });
    }
  }
}

/** The finding id `ack` acknowledges in one stack of a deployment. */
export function nagFindingId(ack: NagAcknowledgement, context: NagFindingContext): string {
  return typeof ack.id === 'string' ? ack.id : ack.id(context);
}

/** An S3 bucket ARN as cdk-nag prints it. */
function s3Arn(bucketName: string): string {
  return `arn:<AWS::Partition>:s3:::${bucketName}`;
}

function findByPath(root: IConstruct, path: string): IConstruct | undefined {
  let current: IConstruct | undefined = root;
  for (const part of path.split('/')) {
    current = current?.node.tryFindChild(part);
  }
  return current;
}
