import { Aws, Duration, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { MediaConfig } from './config/media';

/**
 * Prefix of every media object key: the service stores uploads as `uploads/<user id>/<uuid>.<ext>`
 * (`app/src/media.ts`). The fleet may write and read only under it.
 */
export const MEDIA_KEY_PREFIX = 'uploads/';

/** Where the media bucket replicates to: a bucket and key of another region, known by name. */
export interface MediaReplicationDestination {
  /** Name of the replica bucket (`PlatformNames.mediaBucketName('standby')`). */
  readonly bucketName: string;

  /** Region of the replica bucket and of its key. */
  readonly region: string;

  /** Alias of the replica's KMS key in that region, such as `alias/photo-prod/data`. */
  readonly keyAliasName: string;

  /** ID of the replication rule; the replication metrics carry it as the `RuleId` dimension. */
  readonly ruleId: string;
}

/** Properties of {@link MediaStorage}. */
export interface MediaStorageProps {
  /** Globally unique name of the bucket (`PlatformNames.mediaBucketName`). */
  readonly bucketName: string;

  /** Lifecycle, access-log retention and replication alarms. */
  readonly config: MediaConfig;

  /**
   * The region's data key: SSE-KMS with an S3 Bucket Key. It must be a key this app creates (not an
   * imported one), because its key policy receives the statement that lets CloudFront decrypt the
   * bucket's objects.
   */
  readonly encryptionKey: kms.IKey;

  /**
   * The cross-region replica this bucket replicates to.
   *
   * @default - no replication: the bucket is itself the replica
   */
  readonly replication?: MediaReplicationDestination;
}

/**
 * A media bucket: versioned, SSE-KMS with a Bucket Key, private (public access blocked, ACLs off,
 * TLS 1.2 or newer only), with server access logs in a bucket of their own and the lifecycle of
 * `MediaConfig`. The primary's replicates to the standby's (Replication Time Control, delete
 * markers, KMS-encrypted objects), with a least-privilege role and alarms on latency and failures.
 *
 * CloudFront reads both buckets through Origin Access Control. The edge stack deploys after this
 * one and its distribution ID is generated, so the bucket and key policy statements here admit the
 * CloudFront service for distributions of this account (`AWS:SourceAccount` and an
 * `AWS:SourceArn` pattern) instead of naming the distribution: naming it would make this stack
 * read a value of the edge stack, a cycle, and across regions for the replica. The statements
 * allow only `s3:GetObject`, and `kms:Decrypt` only for this bucket's encryption context.
 */
export class MediaStorage extends Construct {
  readonly bucket: s3.Bucket;

  /** Receives the bucket's S3 server access logs (SSE-S3: log delivery writes no KMS objects). */
  readonly accessLogsBucket: s3.Bucket;

  /** The replication role, when the bucket replicates. */
  readonly replicationRole?: iam.Role;

  /** `ReplicationLatency` above `config.replication.latencyAlarmSeconds`, when the bucket replicates. */
  readonly replicationLatencyAlarm?: cloudwatch.Alarm;

  /** Failed replication operations, when the bucket replicates. */
  readonly replicationFailureAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: MediaStorageProps) {
    super(scope, id);
    validateProps(props);
    const { config, replication } = props;
    const stack = Stack.of(this);
    const bucketArn = s3BucketArn(props.bucketName);

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'ExpireLogs', expiration: Duration.days(config.accessLogRetentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    let replicationPolicy: iam.Policy | undefined;
    if (replication) {
      [this.replicationRole, replicationPolicy] = this.createReplicationRole(
        props.bucketName,
        props.encryptionKey,
        replication,
      );
    }
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'media/',
      lifecycleRules: mediaLifecycleRules(config),
      replicationRole: this.replicationRole,
      replicationRules: replication ? [this.replicationRule(replication)] : undefined,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // S3 starts replicating as soon as the configuration is written: the role's policy goes first.
    if (replicationPolicy) this.bucket.node.addDependency(replicationPolicy);

    const cloudFrontSource = {
      StringEquals: { 'AWS:SourceAccount': stack.account },
      ArnLike: { 'AWS:SourceArn': `arn:${Aws.PARTITION}:cloudfront::${stack.account}:distribution/*` },
    };
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudFrontOriginAccessControlReads',
        principals: [new iam.ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:GetObject'],
        resources: [`${bucketArn}/*`],
        conditions: cloudFrontSource,
      }),
    );
    props.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudFrontToDecryptMedia',
        principals: [new iam.ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: {
          ...cloudFrontSource,
          // With a Bucket Key the context is the bucket's ARN; objects written before it carry their own.
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArn, `${bucketArn}/*`] },
        },
      }),
    );

    if (replication) {
      [this.replicationLatencyAlarm, this.replicationFailureAlarm] = this.createReplicationAlarms(
        props.bucketName,
        replication,
        config,
      );
    }
  }

  private replicationRule(destination: MediaReplicationDestination): s3.ReplicationRule {
    return {
      id: destination.ruleId,
      destination: s3.Bucket.fromBucketAttributes(this, 'ReplicaBucket', {
        bucketName: destination.bucketName,
        region: destination.region,
      }),
      // An alias ARN, which S3 accepts as the replica key: the key's own ARN is unknown here.
      kmsKey: kms.Key.fromKeyArn(this, 'ReplicaKey', kmsAliasArn(destination.region, destination.keyAliasName)),
      // Without this opt-in S3 silently skips every SSE-KMS object, that is all of them.
      sseKmsEncryptedObjects: true,
      deleteMarkerReplication: true,
      replicationTimeControl: s3.ReplicationTimeValue.FIFTEEN_MINUTES,
      metrics: s3.ReplicationTimeValue.FIFTEEN_MINUTES,
    };
  }

  /**
   * The role S3 assumes to replicate: it reads this bucket's versions and decrypts them through S3
   * in this region, writes replicas into the destination bucket and encrypts them through S3 in the
   * destination region with the key behind the destination alias. Nothing else.
   */
  private createReplicationRole(
    sourceBucketName: string,
    sourceKey: kms.IKey,
    destination: MediaReplicationDestination,
  ): [iam.Role, iam.Policy] {
    const { region } = Stack.of(this);
    const sourceArn = s3BucketArn(sourceBucketName);
    const destinationArn = s3BucketArn(destination.bucketName);
    // No source conditions on the trust: only a principal that may pass this role (iam:PassRole, never
    // across accounts) can name it in a replication configuration.
    const role = new iam.Role(this, 'ReplicationRole', {
      description: `S3 replication of ${sourceBucketName} to ${destination.bucketName}`,
      assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
    });

    const policy = new iam.Policy(this, 'ReplicationPolicy', {
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          sid: 'ReadReplicationConfiguration',
          actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
          resources: [sourceArn],
        }),
        new iam.PolicyStatement({
          sid: 'ReadSourceVersions',
          actions: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
          resources: [`${sourceArn}/*`],
        }),
        new iam.PolicyStatement({
          sid: 'WriteReplicas',
          actions: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'],
          resources: [`${destinationArn}/*`],
        }),
        new iam.PolicyStatement({
          sid: 'DecryptSourceObjects',
          actions: ['kms:Decrypt'],
          resources: [sourceKey.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` },
            StringLike: { 'kms:EncryptionContext:aws:s3:arn': [sourceArn, `${sourceArn}/*`] },
          },
        }),
        new iam.PolicyStatement({
          sid: 'EncryptReplicas',
          actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
          // The destination key's ID is generated in its region; the alias names it.
          resources: [`arn:${Aws.PARTITION}:kms:${destination.region}:${Aws.ACCOUNT_ID}:key/*`],
          conditions: {
            'ForAnyValue:StringEquals': { 'kms:ResourceAliases': destination.keyAliasName },
            StringEquals: { 'kms:ViaService': `s3.${destination.region}.amazonaws.com` },
            StringLike: { 'kms:EncryptionContext:aws:s3:arn': [destinationArn, `${destinationArn}/*`] },
          },
        }),
      ],
    });
    return [role, policy];
  }

  private createReplicationAlarms(
    sourceBucketName: string,
    destination: MediaReplicationDestination,
    config: MediaConfig,
  ): [cloudwatch.Alarm, cloudwatch.Alarm] {
    const metric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/S3',
        metricName,
        dimensionsMap: {
          SourceBucket: sourceBucketName,
          DestinationBucket: destination.bucketName,
          RuleId: destination.ruleId,
        },
        statistic,
        period: Duration.minutes(5),
      });

    const latency = new cloudwatch.Alarm(this, 'ReplicationLatencyAlarm', {
      alarmDescription: `Media replication to ${destination.region} is slower than ${config.replication.latencyAlarmSeconds} s`,
      metric: metric('ReplicationLatency', cloudwatch.Stats.MAXIMUM),
      threshold: config.replication.latencyAlarmSeconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // No uploads, no latency data: nothing is behind.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const failures = new cloudwatch.Alarm(this, 'ReplicationFailureAlarm', {
      alarmDescription: `Media objects failed to replicate to ${destination.region}`,
      metric: metric('OperationsFailedReplication', cloudwatch.Stats.SUM),
      threshold: config.replication.failedOperationsAlarmThreshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    return [latency, failures];
  }
}

/** A media bucket known by name, and the key its objects are encrypted with. */
export interface MediaBucketAccess {
  readonly bucketName: string;
  readonly region: string;
  readonly key: kms.IKey;
}

/**
 * Creates, as `scope`/`id`, a policy of its own on `role` that lets it put and get media objects
 * (`uploads/*`) of the bucket, with the key used only through S3 in the bucket's region: what the
 * service needs to sign upload URLs and read media.
 */
export function grantMediaObjectAccess(
  scope: Construct,
  id: string,
  role: iam.IRole,
  target: MediaBucketAccess,
): iam.Policy {
  return new iam.Policy(scope, id, {
    roles: [role],
    statements: [
      new iam.PolicyStatement({
        sid: 'PutAndGetMedia',
        actions: ['s3:PutObject', 's3:GetObject'],
        resources: [`${s3BucketArn(target.bucketName)}/${MEDIA_KEY_PREFIX}*`],
      }),
      new iam.PolicyStatement({
        sid: 'UseMediaKeyThroughS3',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [target.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${target.region}.amazonaws.com` } },
      }),
    ],
  });
}

/**
 * The lifecycle of every media bucket: current versions to Glacier Instant Retrieval, noncurrent
 * versions to Glacier Flexible Retrieval and then deleted, abandoned multipart uploads aborted, and
 * delete markers left without versions removed.
 */
export function mediaLifecycleRules(config: MediaConfig): s3.LifecycleRule[] {
  return [
    {
      id: 'ArchiveCurrentVersions',
      transitions: [
        {
          storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL,
          transitionAfter: Duration.days(config.glacierTransitionDays),
        },
      ],
    },
    {
      id: 'ArchiveThenExpireNoncurrentVersions',
      noncurrentVersionTransitions: [
        {
          storageClass: s3.StorageClass.GLACIER,
          transitionAfter: Duration.days(config.noncurrentGlacierTransitionDays),
        },
      ],
      noncurrentVersionExpiration: Duration.days(config.noncurrentExpirationDays),
      expiredObjectDeleteMarker: true,
    },
    {
      id: 'AbortIncompleteMultipartUploads',
      abortIncompleteMultipartUploadAfter: Duration.days(config.abortIncompleteMultipartUploadDays),
    },
  ];
}

function validateProps(props: MediaStorageProps): void {
  if (!Resource.isOwnedResource(props.encryptionKey)) {
    throw new Error(
      `MediaStorage: encryptionKey ${props.encryptionKey.node.path} is imported; allowed: a key this app creates, ` +
        'whose key policy takes the CloudFront decrypt statement',
    );
  }
  if (!Token.isUnresolved(props.bucketName) && !isBucketName(props.bucketName)) {
    throw new Error(
      `MediaStorage: bucketName is ${JSON.stringify(props.bucketName)}; allowed: 3 to 63 lowercase letters, ` +
        'digits and hyphens, starting and ending with a letter or digit',
    );
  }
  const replication = props.replication;
  if (!replication) return;
  if (!isBucketName(replication.bucketName) || replication.bucketName === props.bucketName) {
    throw new Error(
      `MediaStorage: replication.bucketName is ${JSON.stringify(replication.bucketName)}; allowed: a valid S3 bucket ` +
        `name other than bucketName (${props.bucketName})`,
    );
  }
  if (!replication.keyAliasName.startsWith('alias/')) {
    throw new Error(
      `MediaStorage: replication.keyAliasName is ${JSON.stringify(replication.keyAliasName)}; allowed: a KMS alias ` +
        'name such as alias/photo-prod/data',
    );
  }
  const region = Stack.of(props.encryptionKey).region;
  if (!Token.isUnresolved(region) && replication.region === region) {
    throw new Error(
      `MediaStorage: replication.region is ${JSON.stringify(replication.region)}; allowed: a region other than ` +
        `the bucket's own (${region}): the replica is the disaster-recovery copy`,
    );
  }
}

function isBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(name);
}

function s3BucketArn(bucketName: string): string {
  return `arn:${Aws.PARTITION}:s3:::${bucketName}`;
}

function kmsAliasArn(region: string, aliasName: string): string {
  return `arn:${Aws.PARTITION}:kms:${region}:${Aws.ACCOUNT_ID}:${aliasName}`;
}
