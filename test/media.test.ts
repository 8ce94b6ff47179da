import { App, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { mediaKeyPattern } from '../app/src/media';
import { mediaProfile } from '../lib/config/media';
import { MEDIA_KEY_PREFIX, MediaStorage } from '../lib/media-storage';
import { PlatformNames } from '../lib/names';
import { buildPlatform, CDK_JSON_CONTEXT, configProblemsFor, only, platformFor } from './helpers/platform';

process.env.CDK_VALIDATION = 'false';

const PROFILES = ['production', 'development'] as const;

/** `arn:${Partition}:s3:::name` as the templates write it. */
const s3Arn = (name: string, suffix = '') => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${name}${suffix}`]],
});

describe.each(PROFILES)('the media bucket of the %s profile', (profile) => {
  const build = platformFor(profile);
  const names = new PlatformNames(build.config);
  const primary = build.template(build.platform.primary);
  const foundation = build.template(build.platform.standbyFoundation);
  const media = build.config.media;
  const primaryName = names.mediaBucketName('primary');
  const replicaName = names.mediaBucketName('standby');
  const dataKey = only(primary, 'AWS::KMS::Key', { Description: Match.stringLikeRegexp('data stores') });

  test('is named after the account and region, and is versioned, private and SSE-KMS with a Bucket Key', () => {
    expect(primaryName).toBe(`${build.config.stackNamePrefix}-media-${build.config.account}-us-east-1`);
    const bucket = only(primary, 'AWS::S3::Bucket', { BucketName: primaryName });

    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      {
        BucketKeyEnabled: true,
        ServerSideEncryptionByDefault: {
          SSEAlgorithm: 'aws:kms',
          KMSMasterKeyID: { 'Fn::GetAtt': [dataKey.logicalId, 'Arn'] },
        },
      },
    ]);
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
  });

  test('accepts TLS 1.2 or newer only', () => {
    const bucket = only(primary, 'AWS::S3::Bucket', { BucketName: primaryName });
    const policy = only(primary, 'AWS::S3::BucketPolicy', { Bucket: { Ref: bucket.logicalId } });
    const denies = policy.Properties.PolicyDocument.Statement.filter((s: { Effect: string }) => s.Effect === 'Deny');

    expect(denies.map((s: { Condition: unknown }) => s.Condition)).toEqual([
      { Bool: { 'aws:SecureTransport': 'false' } },
      { NumericLessThan: { 's3:TlsVersion': 1.2 } },
    ]);
  });

  test('logs its accesses to a bucket of its own, SSE-S3, kept for the configured days', () => {
    const bucket = only(primary, 'AWS::S3::Bucket', { BucketName: primaryName });
    const logsId = bucket.Properties.LoggingConfiguration.DestinationBucketName.Ref;
    const logs = primary.toJSON().Resources[logsId];

    expect(bucket.Properties.LoggingConfiguration.LogFilePrefix).toBe('media/');
    expect(logs.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
    ]);
    expect(logs.Properties.LifecycleConfiguration.Rules).toEqual([
      { Id: 'ExpireLogs', ExpirationInDays: media.accessLogRetentionDays, Status: 'Enabled' },
    ]);
  });

  test('archives current versions to Glacier Instant Retrieval after 90 days, then ages noncurrent ones out', () => {
    const bucket = only(primary, 'AWS::S3::Bucket', { BucketName: primaryName });

    expect(media.glacierTransitionDays).toBe(90);
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual([
      {
        Id: 'ArchiveCurrentVersions',
        Status: 'Enabled',
        Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }],
      },
      {
        Id: 'ArchiveThenExpireNoncurrentVersions',
        Status: 'Enabled',
        NoncurrentVersionTransitions: [
          { StorageClass: 'GLACIER', TransitionInDays: media.noncurrentGlacierTransitionDays },
        ],
        NoncurrentVersionExpiration: { NoncurrentDays: media.noncurrentExpirationDays },
        ExpiredObjectDeleteMarker: true,
      },
      {
        Id: 'AbortIncompleteMultipartUploads',
        Status: 'Enabled',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: media.abortIncompleteMultipartUploadDays },
      },
    ]);
  });

  test('replicates to the replica by name: KMS objects with the replica key alias, delete markers, RTC and metrics', () => {
    const bucket = only(primary, 'AWS::S3::Bucket', { BucketName: primaryName });
    const role = only(primary, 'AWS::IAM::Role', { Description: Match.stringLikeRegexp('^S3 replication') });

    expect(bucket.Properties.ReplicationConfiguration).toEqual({
      Role: { 'Fn::GetAtt': [role.logicalId, 'Arn'] },
      Rules: [
        {
          Id: 'media-to-standby',
          Status: 'Enabled',
          Filter: { Prefix: '' },
          SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
          DeleteMarkerReplication: { Status: 'Enabled' },
          Destination: {
            Bucket: `arn:aws:s3:::${replicaName}`,
            EncryptionConfiguration: {
              // The alias ARN: the replica key's own ARN is generated in us-west-2.
              ReplicaKmsKeyID: {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':kms:us-west-2:',
                    { Ref: 'AWS::AccountId' },
                    `:${names.dataKeyAlias()}`,
                  ],
                ],
              },
            },
            ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
            Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
          },
        },
      ],
    });
  });

  test('the replication role is assumed by S3 only and may do nothing but replicate these two buckets', () => {
    const role = only(primary, 'AWS::IAM::Role', { Description: Match.stringLikeRegexp('^S3 replication') });
    const policies = Object.values(
      primary.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role.logicalId }] } }),
    );

    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' } },
    ]);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'ReadReplicationConfiguration',
        Effect: 'Allow',
        Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'],
        Resource: s3Arn(primaryName),
      },
      {
        Sid: 'ReadSourceVersions',
        Effect: 'Allow',
        Action: ['s3:GetObjectVersionAcl', 's3:GetObjectVersionForReplication', 's3:GetObjectVersionTagging'],
        Resource: s3Arn(primaryName, '/*'),
      },
      {
        Sid: 'WriteReplicas',
        Effect: 'Allow',
        Action: ['s3:ReplicateDelete', 's3:ReplicateObject', 's3:ReplicateTags'],
        Resource: s3Arn(replicaName, '/*'),
      },
      {
        Sid: 'DecryptSourceObjects',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::GetAtt': [dataKey.logicalId, 'Arn'] },
        Condition: {
          StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [s3Arn(primaryName), s3Arn(primaryName, '/*')] },
        },
      },
      {
        Sid: 'EncryptReplicas',
        Effect: 'Allow',
        Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:us-west-2:', { Ref: 'AWS::AccountId' }, ':key/*']],
        },
        Condition: {
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': names.dataKeyAlias() },
          StringEquals: { 'kms:ViaService': 's3.us-west-2.amazonaws.com' },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [s3Arn(replicaName), s3Arn(replicaName, '/*')] },
        },
      },
    ]);
  });

  test('the bucket is created after its replication role has its policy', () => {
    const bucket = only(primary, 'AWS::S3::Bucket', { BucketName: primaryName });
    const [policyId] = Object.keys(
      primary.findResources('AWS::IAM::Policy', {
        Properties: { PolicyName: Match.stringLikeRegexp('ReplicationPolicy') },
      }),
    );

    expect(bucket.DependsOn).toContain(policyId);
  });

  test('alarms watch replication latency and failed operations of the rule', () => {
    const dimensions = [
      { Name: 'DestinationBucket', Value: replicaName },
      { Name: 'RuleId', Value: 'media-to-standby' },
      { Name: 'SourceBucket', Value: primaryName },
    ];

    primary.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/S3',
      MetricName: 'ReplicationLatency',
      Dimensions: dimensions,
      Statistic: 'Maximum',
      Period: 300,
      Threshold: media.replication.latencyAlarmSeconds,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    primary.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/S3',
      MetricName: 'OperationsFailedReplication',
      Dimensions: dimensions,
      Statistic: 'Sum',
      Period: 300,
      Threshold: media.replication.failedOperationsAlarmThreshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('the replica lives in the standby foundation with its own key and the same lifecycle as the source', () => {
    const source = only(primary, 'AWS::S3::Bucket', { BucketName: primaryName });
    const replica = only(foundation, 'AWS::S3::Bucket', { BucketName: replicaName });
    const replicaKey = only(foundation, 'AWS::KMS::Key');

    expect(replicaName).toBe(`${build.config.stackNamePrefix}-media-${build.config.account}-us-west-2`);
    expect(replica.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(replica.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      {
        BucketKeyEnabled: true,
        ServerSideEncryptionByDefault: {
          SSEAlgorithm: 'aws:kms',
          KMSMasterKeyID: { 'Fn::GetAtt': [replicaKey.logicalId, 'Arn'] },
        },
      },
    ]);
    expect(replica.Properties.LifecycleConfiguration).toEqual(source.Properties.LifecycleConfiguration);
    expect(replica.Properties.ReplicationConfiguration).toBeUndefined();
    expect(replica.Properties.LoggingConfiguration.LogFilePrefix).toBe('media/');
  });

  test.each([
    ['primary', 'us-east-1'],
    ['standby foundation', 'us-west-2'],
  ] as const)('the %s bucket and key admit CloudFront reads of this account only', (which, region) => {
    const template = which === 'primary' ? primary : foundation;
    const name = names.mediaBucketName(which === 'primary' ? 'primary' : 'standby');
    const cloudFront = {
      StringEquals: { 'AWS:SourceAccount': build.config.account },
      ArnLike: {
        'AWS:SourceArn': {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudfront::${build.config.account}:distribution/*`]],
        },
      },
    };

    expect(name.endsWith(region)).toBe(true);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowCloudFrontOriginAccessControlReads',
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
            Resource: s3Arn(name, '/*'),
            Condition: cloudFront,
          },
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowCloudFrontToDecryptMedia',
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 'kms:Decrypt',
            Resource: '*',
            Condition: {
              ...cloudFront,
              StringLike: { 'kms:EncryptionContext:aws:s3:arn': [s3Arn(name), s3Arn(name, '/*')] },
            },
          },
        ]),
      },
    });
  });

  test.each(['primary', 'standby'] as const)(
    'the %s fleet gets MEDIA_BUCKET (its region’s bucket) and may put and get uploads with the key',
    (role) => {
      const template = build.template(build.platform[role]);
      const name = names.mediaBucketName(role);
      const region = build.config.regions[role].region;
      const environment = only(template, 'AWS::SSM::Parameter', {
        Description: Match.stringLikeRegexp('Non-secret environment'),
      });
      const instanceRole = only(template, 'AWS::IAM::Role', {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })],
        }),
      });
      const access = only(template, 'AWS::IAM::Policy', {
        Roles: [{ Ref: instanceRole.logicalId }],
        PolicyName: Match.stringLikeRegexp('^MediaAccess'),
      });

      expect(JSON.stringify(environment.Properties.Value)).toContain(`MEDIA_BUCKET=${name}`);
      expect(access.Properties.PolicyDocument.Statement).toEqual([
        {
          Sid: 'PutAndGetMedia',
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject'],
          Resource: s3Arn(name, '/uploads/*'),
        },
        {
          Sid: 'UseMediaKeyThroughS3',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: expect.anything(),
          Condition: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
        },
      ]);
    },
  );

  test('the standby fleet uses the foundation data key, the replica’s key, for media', () => {
    const template = build.template(build.platform.standby);
    const access = only(template, 'AWS::IAM::Policy', { PolicyName: Match.stringLikeRegexp('^MediaAccess') });
    const keyResource = access.Properties.PolicyDocument.Statement[1].Resource;

    expect(keyResource).toEqual(build.platform.standby.resolve(build.platform.standbyFoundation.dataKey.keyArn));
  });
});

test('the fleet may write only under the prefix the service generates media keys in', () => {
  expect(MEDIA_KEY_PREFIX).toBe('uploads/');
  const key = `${MEDIA_KEY_PREFIX}u1/0b0e2f64-5d2b-4c47-9a3c-1f2e3d4c5b6a.jpg`;

  expect(mediaKeyPattern('u1').test(key)).toBe(true);
  expect(mediaKeyPattern('u1').test(key.replace(MEDIA_KEY_PREFIX, 'media/'))).toBe(false);
});

describe('MediaStorage props', () => {
  const config = mediaProfile('production');
  const stack = () =>
    new Stack(new App({ context: CDK_JSON_CONTEXT }), 'S', { env: { account: '123456789012', region: 'us-east-1' } });

  test('an imported key, whose policy cannot take the CloudFront statement, is refused', () => {
    const s = stack();
    const key = kms.Key.fromKeyArn(
      s,
      'K',
      'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555',
    );

    expect(() => new MediaStorage(s, 'M', { bucketName: 'media-bucket', config, encryptionKey: key })).toThrow(
      /MediaStorage: encryptionKey S\/K is imported; allowed: a key this app creates/,
    );
  });

  test.each([
    [{ bucketName: 'Media_Bucket' }, 'MediaStorage: bucketName is "Media_Bucket"; allowed: 3 to 63 lowercase letters'],
    [
      { replication: { bucketName: 'media-copy', region: 'us-east-1', keyAliasName: 'alias/k', ruleId: 'r' } },
      'MediaStorage: replication.region is "us-east-1"; allowed: a region other than the bucket\'s own (us-east-1)',
    ],
    [
      { replication: { bucketName: 'media-copy', region: 'us-west-2', keyAliasName: 'k', ruleId: 'r' } },
      'MediaStorage: replication.keyAliasName is "k"; allowed: a KMS alias name',
    ],
    [
      { replication: { bucketName: 'media-bucket', region: 'us-west-2', keyAliasName: 'alias/k', ruleId: 'r' } },
      'MediaStorage: replication.bucketName is "media-bucket"; allowed: a valid S3 bucket name other than bucketName',
    ],
  ])('%j is refused with the prop, the value and what is allowed', (override, message) => {
    const s = stack();
    const key = new kms.Key(s, 'K');

    expect(
      () => new MediaStorage(s, 'M', { bucketName: 'media-bucket', config, encryptionKey: key, ...override }),
    ).toThrow(message);
  });
});

describe('bad media settings fail synth with the key, the value and what is allowed', () => {
  const problemsFor = (media: Record<string, unknown>) => configProblemsFor({ media });

  test.each([
    [{ glacierTransitionDays: -1 }, 'media.glacierTransitionDays', -1, 'an integer from 0 to 36500 days'],
    [{ glacierTransitionDays: 2.5 }, 'media.glacierTransitionDays', 2.5, 'an integer from 0 to 36500 days'],
    [
      { noncurrentGlacierTransitionDays: 0 },
      'media.noncurrentGlacierTransitionDays',
      0,
      'an integer from 1 to 36500 days',
    ],
    [
      { noncurrentExpirationDays: 30 },
      'media.noncurrentExpirationDays',
      30,
      'an integer up to 36500 days, more than noncurrentGlacierTransitionDays (30): S3 expires a version only after its transition',
    ],
    [
      { abortIncompleteMultipartUploadDays: 0 },
      'media.abortIncompleteMultipartUploadDays',
      0,
      'an integer from 1 to 365 days',
    ],
    [{ accessLogRetentionDays: 0 }, 'media.accessLogRetentionDays', 0, 'an integer from 1 to 3650 days'],
    [
      { replication: { latencyAlarmSeconds: 30 } },
      'media.replication.latencyAlarmSeconds',
      30,
      'an integer from 60 to 86400 seconds (Replication Time Control targets 900)',
    ],
    [
      { replication: { failedOperationsAlarmThreshold: 0 } },
      'media.replication.failedOperationsAlarmThreshold',
      0,
      'a positive whole number of failed operations',
    ],
  ])('%j', (media, key, value, allowed) => {
    expect(problemsFor(media)).toEqual([{ key, value, allowed }]);
  });

  test('an unknown media key is refused', () => {
    expect(() => buildPlatform({ context: { overrides: { media: { glacierDays: 90 } } } })).toThrow(
      /overrides\.media\.glacierDays: got 90; allowed: one of the existing keys: glacierTransitionDays/,
    );
  });
});
