import { App, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AssetManifestArtifact } from 'aws-cdk-lib/cx-api';
import { productionData } from '../lib/config/data';
import { Database } from '../lib/database';
import type { RegionalStack } from '../lib/stacks/regional-stack';
import { platformFor } from './helpers/platform';

process.env.CDK_VALIDATION = 'false';

// biome-ignore lint/suspicious/noExplicitAny: synthesized template JSON has no static type
type TemplateJson = any;

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };

function resources(template: Template, type: string): Resource[] {
  return Object.values(template.findResources(type)) as Resource[];
}

/** The logical id of the single resource of `type` whose id starts with `prefix`. */
function logicalId(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0];
}

const CASES = (['production', 'development'] as const).flatMap((profile) =>
  (['primary', 'standby'] as const).map((role) => [profile, role] as const),
);

describe.each(CASES)('PostgreSQL in the %s profile, %s region', (profile, role) => {
  const build = platformFor(profile);
  const stack: RegionalStack = build.platform[role];
  const template = build.template(stack);
  const config = build.config[role].data.database;
  const instances = resources(template, 'AWS::RDS::DBInstance');
  const main = instances.find(
    (i) => i.Properties.DBInstanceIdentifier === `${build.config.stackNamePrefix}-db-${role}`,
  );
  const replicas = instances.filter((i) => i !== main);

  test('the main instance has the deterministic identifier, the pinned version and the config sizes', () => {
    expect(main).toBeDefined();
    expect(main?.Properties).toMatchObject({
      DBInstanceClass: `db.${config.instanceType}`,
      Port: String(config.port),
      MultiAZ: config.multiAz,
      EnableIAMDatabaseAuthentication: true,
      EnablePerformanceInsights: true,
      PerformanceInsightsRetentionPeriod: config.performanceInsightsRetentionDays,
      MonitoringInterval: config.monitoringIntervalSeconds,
      DeletionProtection: true,
      AutoMinorVersionUpgrade: false,
      PreferredMaintenanceWindow: config.maintenanceWindow,
      StorageType: 'gp3',
      MaxAllocatedStorage: config.maxAllocatedStorageGiB,
      EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
      PubliclyAccessible: false,
    });
    expect(config.engineVersion).toMatch(/^1[78]\.\d+$/);
  });

  test('TLS is enforced through the parameter group', () => {
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Family: `postgres${config.engineVersion.split('.')[0]}`,
      Parameters: { 'rds.force_ssl': '1' },
    });
    for (const instance of instances) {
      expect(instance.Properties.DBParameterGroupName).toEqual({
        Ref: logicalId(template, 'AWS::RDS::DBParameterGroup', 'DatabaseParameters'),
      });
    }
  });

  test('every instance sits in the isolated subnets', () => {
    const isolated = stack.network.vpc.isolatedSubnets.map((s) => stack.resolve(s.subnetId));
    for (const group of resources(template, 'AWS::RDS::DBSubnetGroup')) {
      expect(group.Properties.SubnetIds).toEqual(isolated);
    }
  });

  test('every instance admits only the fleet (and the rotation function) on the database port', () => {
    const sgId = logicalId(template, 'AWS::EC2::SecurityGroup', 'DatabaseSecurityGroup');
    const ingress = resources(template, 'AWS::EC2::SecurityGroupIngress').filter(
      (r) => (r.Properties.GroupId as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] === sgId,
    );
    const sources = ingress.map(
      (r) => (r.Properties.SourceSecurityGroupId as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0],
    );

    expect(sources.sort()).toEqual(
      (role === 'primary'
        ? [
            logicalId(template, 'AWS::EC2::SecurityGroup', 'FleetSecurityGroup'),
            logicalId(template, 'AWS::EC2::SecurityGroup', 'DatabaseRotationSecurityGroup'),
          ]
        : [logicalId(template, 'AWS::EC2::SecurityGroup', 'FleetSecurityGroup')]
      ).sort(),
    );
    for (const rule of ingress) {
      expect(rule.Properties).toMatchObject({ IpProtocol: 'tcp', FromPort: config.port, ToPort: config.port });
      expect(rule.Properties.CidrIp).toBeUndefined();
    }
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('^PostgreSQL'),
      SecurityGroupIngress: Match.absent(),
    });
  });

  test('the exported logs go to encrypted log groups with a retention', () => {
    for (const instance of instances) {
      for (const log of ['postgresql', 'upgrade']) {
        template.hasResourceProperties('AWS::Logs::LogGroup', {
          LogGroupName: `/aws/rds/instance/${instance.Properties.DBInstanceIdentifier}/${log}`,
          RetentionInDays: config.logRetentionDays,
          KmsKeyId: Match.anyValue(),
        });
      }
    }
  });

  if (role === 'primary') {
    test('the primary is encrypted with its own region key, backed up for the configured days and snapshotted on delete', () => {
      expect(main?.Properties).toMatchObject({
        Engine: 'postgres',
        EngineVersion: config.engineVersion,
        StorageEncrypted: true,
        KmsKeyId: { 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key', 'DataKey'), 'Arn'] },
        BackupRetentionPeriod: config.backupRetentionDays,
        PreferredBackupWindow: config.backupWindow,
        AllocatedStorage: String(config.allocatedStorageGiB),
      });
      expect(main?.DeletionPolicy).toBe('Snapshot');
      template.hasResourceProperties('AWS::KMS::Alias', { AliasName: `alias/${build.config.stackNamePrefix}/data` });
    });

    test('production keeps 30 days of backups, so point-in-time recovery reaches back 30 days', () => {
      if (profile === 'production') expect(main?.Properties.BackupRetentionPeriod).toBe(30);
      else expect(main?.Properties.BackupRetentionPeriod).toBeLessThanOrEqual(30);
    });

    test('the read replicas follow the primary, one per AZ in turn, and are retained', () => {
      const azs = build.config.regions.primary.availabilityZones;
      expect(replicas).toHaveLength(config.readReplicas);
      expect(replicas.map((r) => r.Properties.AvailabilityZone)).toEqual(
        Array.from({ length: config.readReplicas }, (_, i) => azs[i % azs.length]),
      );
      for (const replica of replicas) {
        expect(replica.Properties.SourceDBInstanceIdentifier).toEqual({
          'Fn::Join': [
            '',
            [
              `arn:aws:rds:us-east-1:${build.config.account}:db:`,
              { Ref: logicalId(template, 'AWS::RDS::DBInstance', 'DatabasePrimary') },
            ],
          ],
        });
        expect(replica.DeletionPolicy).toBe('Retain');
        expect(replica.Properties.Port).toBe(String(config.port));
      }
      expect(
        resources(template, 'AWS::CloudWatch::Alarm').filter((a) => a.Properties.MetricName === 'ReplicaLag'),
      ).toHaveLength(config.readReplicas);
    });

    test('the master secret is encrypted, replicated to the standby region under the data key alias and rotated by a hosted function', () => {
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        Name: `${build.config.stackNamePrefix}/database/master`,
        KmsKeyId: { 'Fn::GetAtt': [logicalId(template, 'AWS::KMS::Key', 'DataKey'), 'Arn'] },
        ReplicaRegions: [
          {
            Region: 'us-west-2',
            KmsKeyId: `arn:aws:kms:us-west-2:${build.config.account}:alias/${build.config.stackNamePrefix}/data`,
          },
        ],
      });
      template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
        HostedRotationLambda: Match.objectLike({
          RotationType: 'PostgreSQLSingleUser',
          VpcSecurityGroupIds: Match.anyValue(),
        }),
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
      });
      expect(template.toJSON().Transform).toBe('AWS::SecretsManager-2024-09-16');
    });
  } else {
    test('the standby database is a replica of the primary ARN, built from its identifier, not imported', () => {
      expect(replicas).toHaveLength(0);
      expect(main?.Properties.SourceDBInstanceIdentifier).toBe(
        `arn:aws:rds:us-east-1:${build.config.account}:db:${build.config.stackNamePrefix}-db-primary`,
      );
      expect(main?.Properties.StorageEncrypted).toBeUndefined();
      expect(main?.Properties.Engine).toBeUndefined();
      expect(main?.DeletionPolicy).toBe('Retain');
    });

    test('the replica is encrypted with the us-west-2 data key of the standby foundation', () => {
      const foundationKey = build.platform.standbyFoundation.dataKey;
      expect(Stack.of(foundationKey).region).toBe('us-west-2');
      expect(JSON.stringify(main?.Properties.KmsKeyId)).toContain(`${build.config.stackNamePrefix}-standby-foundation`);
      expect(JSON.stringify(main?.Properties.KmsKeyId)).toContain('"Region":"us-west-2"');
      expect(template.findResources('AWS::KMS::Key')).not.toHaveProperty(['DataKey']);
    });

    test('a ReplicaLag alarm fires when the lag passes the RPO budget', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/RDS',
        MetricName: 'ReplicaLag',
        Dimensions: [
          {
            Name: 'DBInstanceIdentifier',
            Value: { Ref: logicalId(template, 'AWS::RDS::DBInstance', 'DatabaseCrossRegionReplica') },
          },
        ],
        Threshold: config.rpoBudgetSeconds,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'breaching',
      });
    });

    test('the standby has no secret of its own and no rotation', () => {
      template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
      expect(stack.database.secret).toBeUndefined();
    });
  }

  test('the stack exposes the endpoint values the service needs', () => {
    expect(stack.database.port).toBe(config.port);
    const mainId = logicalId(
      template,
      'AWS::RDS::DBInstance',
      role === 'primary' ? 'DatabasePrimary' : 'DatabaseCrossRegionReplica',
    );
    expect(stack.resolve(stack.database.endpointAddress)).toEqual({ 'Fn::GetAtt': [mainId, 'Endpoint.Address'] });
    expect(stack.database.readEndpointAddresses).toHaveLength(replicas.length);
  });
});

describe.each(CASES)('Redis in the %s profile, %s region', (profile, role) => {
  const build = platformFor(profile);
  const stack = build.platform[role];
  const template = build.template(stack);
  const config = build.config[role].data.cache;
  const azs = build.config.regions[role].availabilityZones;
  const [group] = resources(template, 'AWS::ElastiCache::ReplicationGroup');

  test('cluster mode enabled with the configured shards and replicas, spread over the AZs', () => {
    expect(group.Properties).toMatchObject({
      Engine: 'redis',
      EngineVersion: config.engineVersion,
      CacheNodeType: config.nodeType,
      CacheParameterGroupName: 'default.redis7.cluster.on',
      NumNodeGroups: config.shards,
      ReplicasPerNodeGroup: config.replicasPerShard,
      Port: config.port,
      ReplicationGroupId: `${build.config.stackNamePrefix}-cache-${role}`,
    });
    const layout = group.Properties.NodeGroupConfiguration as {
      PrimaryAvailabilityZone: string;
      ReplicaAvailabilityZones: string[];
    }[];
    expect(layout).toHaveLength(config.shards);
    for (const shard of layout) {
      expect(shard.ReplicaAvailabilityZones).not.toContain(shard.PrimaryAvailabilityZone);
    }
    const used = new Set(layout.flatMap((s) => [s.PrimaryAvailabilityZone, ...s.ReplicaAvailabilityZones]));
    const nodes = config.shards * (config.replicasPerShard + 1);
    expect(used.size).toBe(Math.min(nodes, azs.length));
    for (const az of used) expect(azs).toContain(az);
  });

  test('Multi-AZ with automatic failover, encryption at rest with the data key and TLS required', () => {
    expect(group.Properties).toMatchObject({
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      AtRestEncryptionEnabled: true,
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
      SnapshotRetentionLimit: config.snapshotRetentionDays,
      SnapshotWindow: config.snapshotWindow,
      PreferredMaintenanceWindow: config.maintenanceWindow,
    });
    expect(group.Properties.KmsKeyId).toEqual(stack.resolve(stack.dataKey.keyArn));
    expect(JSON.stringify(group.Properties.AuthToken)).toMatch(/\{\{resolve:secretsmanager:.*CacheAuthToken/);
    expect(group.DeletionPolicy).toBe('Snapshot');
  });

  test('only the fleet reaches the Redis port', () => {
    const sgId = logicalId(template, 'AWS::EC2::SecurityGroup', 'CacheSecurityGroup');
    const ingress = resources(template, 'AWS::EC2::SecurityGroupIngress').filter(
      (r) => (r.Properties.GroupId as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0] === sgId,
    );
    expect(ingress).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          FromPort: config.port,
          ToPort: config.port,
          SourceSecurityGroupId: {
            'Fn::GetAtt': [logicalId(template, 'AWS::EC2::SecurityGroup', 'FleetSecurityGroup'), 'GroupId'],
          },
        }),
      }),
    ]);
    expect(JSON.stringify(template.findResources('AWS::ElastiCache::SubnetGroup'))).toContain('Isolated');
  });

  test("the production primary holds the seed's 32 nodes", () => {
    if (profile !== 'production' || role !== 'primary') return;
    expect(config.shards * (config.replicasPerShard + 1)).toBe(32);
    expect(group.Properties).toMatchObject({ NumNodeGroups: 16, ReplicasPerNodeGroup: 1 });
  });

  test('hourly snapshots form a 24-snapshot ring through EventBridge Scheduler when enabled', () => {
    const schedules = resources(template, 'AWS::Scheduler::Schedule');
    if (!config.hourlySnapshots) {
      expect(schedules).toHaveLength(0);
      return;
    }
    const creates = schedules.filter((s) => JSON.stringify(s.Properties.Target).includes('elasticache:createSnapshot'));
    const deletes = schedules.filter((s) => JSON.stringify(s.Properties.Target).includes('elasticache:deleteSnapshot'));
    expect(creates.map((s) => s.Properties.ScheduleExpression).sort()).toEqual(
      Array.from({ length: 24 }, (_, h) => `cron(10 ${h} * * ? *)`).sort(),
    );
    expect(deletes.map((s) => s.Properties.ScheduleExpression).sort()).toEqual(
      Array.from({ length: 24 }, (_, h) => `cron(0 ${h} * * ? *)`).sort(),
    );
    const inputs = creates.map((s) => JSON.stringify(s.Properties.Target));
    for (const [hour, input] of inputs.entries()) {
      expect(input).toContain(`\\"ReplicationGroupId\\":\\"${build.config.stackNamePrefix}-cache-${role}\\"`);
      expect(inputs.some((i) => i.includes(`-cache-${role}-hourly-${String(hour).padStart(2, '0')}\\"`))).toBe(true);
    }

    const policy = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policy).toContain(`snapshot:${build.config.stackNamePrefix}-cache-${role}-hourly-23`);
    expect(policy).not.toContain('hourly-*');
  });

  test('the stack exposes the configuration endpoint and the AUTH secret', () => {
    expect(stack.resolve(stack.cache.configurationEndpointAddress)).toEqual({
      'Fn::GetAtt': [
        logicalId(template, 'AWS::ElastiCache::ReplicationGroup', 'Cache'),
        'ConfigurationEndPoint.Address',
      ],
    });
    expect(stack.cache.port).toBe(config.port);
  });
});

describe('no step of the data tier needs Docker', () => {
  test.each(['production', 'development'] as const)('%s: no container image asset', (profile) => {
    const assembly = platformFor(profile).app.synth();
    const images = assembly.artifacts
      .filter((a): a is AssetManifestArtifact => a instanceof AssetManifestArtifact)
      .flatMap((a) => Object.keys(a.contents.dockerImages ?? {}));
    expect(images).toEqual([]);
  });
});

describe('the cross-region replica needs a key in its own region', () => {
  function replicaIn(keyRegion: string | undefined): () => void {
    return () => {
      const app = new App();
      const env = (region: string) => ({ account: '123456789012', region });
      const west = new Stack(app, 'West', { env: env('us-west-2') });
      const keyStack = keyRegion ? new Stack(app, 'Keys', { env: env(keyRegion) }) : undefined;
      const key = keyStack ? new kms.Key(keyStack, 'Key') : undefined;
      const vpc = new ec2.Vpc(west, 'Vpc', {
        availabilityZones: ['us-west-2a', 'us-west-2b', 'us-west-2c'],
        subnetConfiguration: [{ name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
      });
      new Database(west, 'Database', {
        config: productionData('standby').database,
        vpc,
        availabilityZones: ['us-west-2a', 'us-west-2b', 'us-west-2c'],
        instanceIdentifier: 'photo-test-db-standby',
        encryptionKey: key as kms.IKey,
        logsKey: new kms.Key(west, 'LogsKey'),
        logRetentionDays: 30,
        clientSecurityGroups: [],
        replicaOf: { instanceArn: 'arn:aws:rds:us-east-1:123456789012:db:photo-test-db-primary', region: 'us-east-1' },
      });
    };
  }

  test('a key from the source region fails synth, naming the key and the allowed region', () => {
    expect(replicaIn('us-east-1')).toThrow(
      "Database: encryptionKey is a key in us-east-1; allowed: a KMS key in us-west-2, the replica's own region",
    );
  });

  test('no key at all fails synth', () => {
    expect(replicaIn(undefined)).toThrow('Database: encryptionKey is missing; allowed: a KMS key in us-west-2');
  });

  test('a key of the replica region is accepted', () => {
    expect(replicaIn('us-west-2')).not.toThrow();
  });
});

describe.each(CASES)('the service environment in the %s profile, %s region', (profile, role) => {
  const build = platformFor(profile);
  const stack: RegionalStack = build.platform[role];
  const template = build.template(stack);
  const environment = JSON.stringify(
    template.findResources('AWS::SSM::Parameter')[logicalId(template, 'AWS::SSM::Parameter', 'FleetServiceEnvironment')]
      .Properties.Value,
  );
  const instanceId = (prefix: string) => logicalId(template, 'AWS::RDS::DBInstance', prefix);

  test('points the service at the region database, its replicas and its Redis cluster', () => {
    const mainId = instanceId(role === 'primary' ? 'DatabasePrimary' : 'DatabaseCrossRegionReplica');
    const readers =
      role === 'primary'
        ? Array.from({ length: build.config.primary.data.database.readReplicas }, (_, i) =>
            instanceId(`DatabaseReplicasReplica${i + 1}`),
          )
        : [mainId];

    expect(environment).toContain(`DB_HOST=",{"Fn::GetAtt":["${mainId}","Endpoint.Address"]}`);
    expect(environment).toContain(`DB_PORT=${build.config[role].data.database.port}\\nDB_NAME=photos`);
    for (const reader of readers) expect(environment).toContain(`{"Fn::GetAtt":["${reader}","Endpoint.Address"]}`);
    expect(environment).toContain('REDIS_URL=rediss://');
    expect(environment).toContain('REDIS_CLUSTER=true');
    expect(environment).toContain('ConfigurationEndPoint.Address');
  });

  test('names the database secret: the primary by reference, the standby by its replica name in its own region', () => {
    if (role === 'primary') {
      expect(environment).toMatch(/DB_SECRET_ARN=",\{"Ref":"DatabasePrimarySecret/);
    } else {
      expect(environment).toContain(
        `DB_SECRET_ARN=arn:aws:secretsmanager:us-west-2:123456789012:secret:${build.config.stackNamePrefix}/database/master`,
      );
    }
  });

  test('lets the instances read the database and Redis secrets and decrypt with the data key', () => {
    const policies = JSON.stringify(
      Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith('FleetInstanceRole')),
    );

    expect(policies).toContain('secretsmanager:GetSecretValue');
    expect(policies).toMatch(/CacheAuthToken/);
    expect(policies).toContain(
      role === 'primary' ? 'DatabasePrimarySecret' : `secret:${build.config.stackNamePrefix}/database/master-??????`,
    );
    expect(policies).toContain('kms:Decrypt');
  });
});

/** The security group ingress rules whose group id is `groupPrefix`'s, as [port, source logical id]. */
function ingressOf(template: Template, groupPrefix: string): [number, string | undefined, unknown][] {
  return resources(template, 'AWS::EC2::SecurityGroupIngress')
    .filter((rule) => JSON.stringify(rule.Properties.GroupId).includes(groupPrefix))
    .map((rule) => [
      rule.Properties.FromPort as number,
      (rule.Properties.SourceSecurityGroupId as { 'Fn::GetAtt': string[] } | undefined)?.['Fn::GetAtt']?.[0],
      rule.Properties.CidrIp ?? rule.Properties.CidrIpv6,
    ]);
}

describe.each(CASES)('Kafka (MSK) in the %s profile, %s region', (profile, role) => {
  const build = platformFor(profile);
  const stack: RegionalStack = build.platform[role];
  const template = build.template(stack);
  const config = build.config[role].data.streaming;
  const [cluster] = resources(template, 'AWS::MSK::Cluster');
  const props = cluster.Properties as TemplateJson;
  const privateSubnets = stack.network.vpc.privateSubnets.map((subnet) => stack.resolve(subnet.subnetId));

  test('3 brokers, one per AZ, in the private subnets', () => {
    expect(props.NumberOfBrokerNodes).toBe(3);
    expect(props.ClusterName).toBe(`${build.config.stackNamePrefix}-events-${role}`);
    expect(props.KafkaVersion).toBe(config.kafkaVersion);
    expect(props.BrokerNodeGroupInfo.InstanceType).toBe(config.brokerInstanceType);
    expect(props.BrokerNodeGroupInfo.ClientSubnets).toEqual(privateSubnets);
    const azs = stack.network.vpc.privateSubnets.map((subnet) => subnet.availabilityZone);
    expect(new Set(azs).size).toBe(3);
  });

  test('TLS in transit, KMS at rest with the data key, IAM client authentication only', () => {
    expect(props.EncryptionInfo.EncryptionInTransit).toEqual({ ClientBroker: 'TLS', InCluster: true });
    expect(stack.resolve(props.EncryptionInfo.EncryptionAtRest.DataVolumeKMSKeyId)).toEqual(
      stack.resolve(stack.dataKey.keyArn),
    );
    expect(props.ClientAuthentication).toEqual({
      Sasl: { Iam: { Enabled: true } },
      Unauthenticated: { Enabled: false },
    });
  });

  test('broker logs go to an encrypted log group with a retention; enhanced monitoring is on', () => {
    expect(props.LoggingInfo.BrokerLogs.CloudWatchLogs.Enabled).toBe(true);
    const logGroupId = props.LoggingInfo.BrokerLogs.CloudWatchLogs.LogGroup.Ref;
    const logGroup = template.toJSON().Resources[logGroupId];
    expect(logGroup.Properties.RetentionInDays).toBe(config.logRetentionDays);
    expect(logGroup.Properties.KmsKeyId).toBeDefined();
    expect(props.EnhancedMonitoring).toBe(config.enhancedMonitoring);
  });

  test('storage autoscaling grows each broker volume toward the target use, never shrinks it', () => {
    expect(props.BrokerNodeGroupInfo.StorageInfo.EBSStorageInfo.VolumeSize).toBe(config.volumeSizeGiB);
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      ServiceNamespace: 'kafka',
      ScalableDimension: 'kafka:broker-storage:VolumeSize',
      MaxCapacity: config.maxVolumeSizeGiB,
    });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        PredefinedMetricSpecification: { PredefinedMetricType: 'KafkaBrokerStorageUtilization' },
        TargetValue: config.storageTargetUtilizationPercent,
        DisableScaleIn: true,
      },
    });
  });

  test('only the fleet (and the brokers themselves) reach the SASL/IAM port; no CIDR rules', () => {
    const fleetId = logicalId(template, 'AWS::EC2::SecurityGroup', 'FleetSecurityGroup');
    const brokersId = logicalId(template, 'AWS::EC2::SecurityGroup', 'StreamingSecurityGroup');

    expect(ingressOf(template, brokersId).sort()).toEqual(
      [
        [9098, brokersId, undefined],
        [9098, fleetId, undefined],
      ].sort(),
    );
  });

  test('the service gets the SASL/IAM bootstrap brokers and may write only its cluster topics', () => {
    const [reader] = resources(template, 'Custom::AWS').filter((r) =>
      JSON.stringify(r.Properties.Create).includes('getBootstrapBrokers'),
    );
    expect(JSON.stringify(reader.Properties.Create)).toContain('BootstrapBrokerStringSaslIam');
    const policies = JSON.stringify(
      Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith('FleetInstanceRole')),
    );
    expect(policies).toContain('kafka-cluster:WriteData');
    expect(policies).toMatch(/:topic\/"?,?\{"Fn::Select":\[1,\{"Fn::Split":\[":cluster\/"/);
  });

  test('the cluster is retained when the stack is deleted', () => {
    expect(cluster.DeletionPolicy).toBe('Retain');
  });
});

describe.each(CASES)('OpenSearch in the %s profile, %s region', (profile, role) => {
  const build = platformFor(profile);
  const stack: RegionalStack = build.platform[role];
  const template = build.template(stack);
  const config = build.config[role].data.search;
  const [domain] = resources(template, 'AWS::OpenSearchService::Domain');
  const props = domain.Properties as TemplateJson;

  test('dedicated masters and data nodes across 3 AZs with zone awareness, standby as configured', () => {
    expect(props.ClusterConfig).toMatchObject({
      InstanceCount: config.dataNodes,
      InstanceType: config.dataNodeInstanceType,
      DedicatedMasterEnabled: true,
      DedicatedMasterCount: 3,
      DedicatedMasterType: config.masterNodeInstanceType,
      ZoneAwarenessEnabled: true,
      ZoneAwarenessConfig: { AvailabilityZoneCount: 3 },
      MultiAZWithStandbyEnabled: false,
    });
    expect(props.EngineVersion).toBe(config.engineVersion);
  });

  if (profile === 'production' && role === 'primary') {
    test("production runs the seed's 10 data nodes with standby explicitly off", () => {
      expect(props.ClusterConfig.InstanceCount).toBe(10);
      expect(props.ClusterConfig.MultiAZWithStandbyEnabled).toBe(false);
    });
  }

  test('inside the VPC, one isolated subnet per AZ', () => {
    const isolated = stack.network.vpc.isolatedSubnets.map((subnet) => stack.resolve(subnet.subnetId));
    expect(props.VPCOptions.SubnetIds).toEqual(isolated);
    expect(new Set(stack.network.vpc.isolatedSubnets.map((subnet) => subnet.availabilityZone)).size).toBe(3);
  });

  test('encrypted at rest with the data key and between nodes; HTTPS only with TLS 1.2 or newer', () => {
    expect(props.EncryptionAtRestOptions.Enabled).toBe(true);
    expect(props.EncryptionAtRestOptions.KmsKeyId).toBeDefined();
    expect(props.NodeToNodeEncryptionOptions).toEqual({ Enabled: true });
    expect(props.DomainEndpointOptions).toEqual({
      EnforceHTTPS: true,
      TLSSecurityPolicy: 'Policy-Min-TLS-1-2-PFS-2023-10',
    });
  });

  test('fine-grained access control with the fleet role as the IAM master user', () => {
    const fleetRoleId = logicalId(template, 'AWS::IAM::Role', 'FleetInstanceRole');
    expect(props.AdvancedSecurityOptions).toMatchObject({
      Enabled: true,
      InternalUserDatabaseEnabled: false,
      MasterUserOptions: { MasterUserARN: { 'Fn::GetAtt': [fleetRoleId, 'Arn'] } },
    });
  });

  test('slow-search, slow-index and error logs go to encrypted log groups with a retention', () => {
    const options = props.LogPublishingOptions as Record<
      string,
      { Enabled: boolean; CloudWatchLogsLogGroupArn: TemplateJson }
    >;
    expect(Object.keys(options).sort()).toEqual(['ES_APPLICATION_LOGS', 'INDEX_SLOW_LOGS', 'SEARCH_SLOW_LOGS']);
    for (const option of Object.values(options)) {
      expect(option.Enabled).toBe(true);
      const logGroup = template.toJSON().Resources[option.CloudWatchLogsLogGroupArn['Fn::GetAtt'][0]];
      expect(logGroup.Properties.RetentionInDays).toBe(config.logRetentionDays);
      expect(logGroup.Properties.KmsKeyId).toBeDefined();
    }
  });

  test('only the fleet reaches HTTPS; no CIDR rules', () => {
    const fleetId = logicalId(template, 'AWS::EC2::SecurityGroup', 'FleetSecurityGroup');
    const searchId = logicalId(template, 'AWS::EC2::SecurityGroup', 'SearchSecurityGroup');
    expect(ingressOf(template, searchId)).toEqual([[443, fleetId, undefined]]);
  });

  test('the domain is retained when the stack is deleted', () => {
    expect(domain.DeletionPolicy).toBe('Retain');
  });
});

describe.each(['production', 'development'] as const)('AWS Backup in the %s profile', (profile) => {
  const build = platformFor(profile);
  const config = build.config.primary.data.backup;
  const primary = build.template(build.platform.primary);
  const foundation = build.template(build.platform.standbyFoundation);
  const prefix = build.config.stackNamePrefix;

  test('snapshots the database every 6 hours, keeps each point 30 days (7 in development) and copies it to us-west-2', () => {
    expect(config?.intervalHours).toBe(6);
    primary.hasResourceProperties('AWS::Backup::BackupPlan', {
      BackupPlan: {
        BackupPlanRule: [
          Match.objectLike({
            ScheduleExpression: 'cron(0 0,6,12,18 * * ? *)',
            StartWindowMinutes: 60,
            CompletionWindowMinutes: 240,
            Lifecycle: { DeleteAfterDays: profile === 'production' ? 30 : 7 },
            CopyActions: [
              {
                DestinationBackupVaultArn: `arn:aws:backup:us-west-2:123456789012:backup-vault:${prefix}-data-standby`,
                Lifecycle: { DeleteAfterDays: profile === 'production' ? 30 : 7 },
              },
            ],
          }),
        ],
      },
    });
  });

  test('selects the primary database instance', () => {
    const dbId = logicalId(primary, 'AWS::RDS::DBInstance', 'DatabasePrimary');
    primary.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: Match.objectLike({
        Resources: [Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ Ref: dbId }])] })],
      }),
    });
  });

  test('the start windows stay well clear of the RDS backup window', () => {
    const rdsWindowStart = Number(build.config.primary.data.database.backupWindow.slice(0, 2));
    for (const hour of [0, 6, 12, 18]) {
      const gapHours = Math.min(Math.abs(hour - rdsWindowStart), 24 - Math.abs(hour - rdsWindowStart));
      expect(gapHours).toBeGreaterThanOrEqual(2);
    }
  });

  test('both vaults are KMS-encrypted with their own region key and retained', () => {
    for (const [template, stackPrefix] of [
      [primary, 'DataKey'],
      [foundation, 'DataKey'],
    ] as const) {
      const [vault] = Object.values(template.findResources('AWS::Backup::BackupVault')) as Resource[];
      expect(vault.DeletionPolicy).toBe('Retain');
      expect(JSON.stringify(vault.Properties.EncryptionKeyArn)).toContain(stackPrefix);
    }
    foundation.hasResourceProperties('AWS::Backup::BackupVault', { BackupVaultName: `${prefix}-data-standby` });
    primary.hasResourceProperties('AWS::Backup::BackupVault', { BackupVaultName: `${prefix}-data-primary` });
  });

  test(
    profile === 'production' ? 'the copy vault is locked in compliance mode' : 'the copy vault is not locked',
    () => {
      const [vault] = Object.values(foundation.findResources('AWS::Backup::BackupVault')) as Resource[];
      if (profile === 'production') {
        expect(vault.Properties.LockConfiguration).toEqual({ MinRetentionDays: 30, ChangeableForDays: 3 });
      } else {
        expect(vault.Properties.LockConfiguration).toBeUndefined();
      }
    },
  );
});

describe.each(['production', 'development'] as const)('stateful resources in the %s profile', (profile) => {
  const build = platformFor(profile);
  const STATEFUL = [
    'AWS::RDS::DBInstance',
    'AWS::ElastiCache::ReplicationGroup',
    'AWS::MSK::Cluster',
    'AWS::OpenSearchService::Domain',
    'AWS::Backup::BackupVault',
    'AWS::KMS::Key',
    'AWS::SecretsManager::Secret',
    'AWS::S3::Bucket',
  ];

  test.each(STATEFUL)('every %s is retained or snapshotted when its stack is deleted', (type) => {
    for (const stack of build.stacks) {
      for (const [id, resource] of Object.entries(build.template(stack).findResources(type))) {
        expect([`${stack.node.id}/${id}`, resource.DeletionPolicy]).toEqual([
          `${stack.node.id}/${id}`,
          expect.stringMatching(/^(Retain|Snapshot)$/),
        ]);
      }
    }
  });
});
