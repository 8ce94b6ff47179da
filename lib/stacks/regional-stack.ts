import { Lazy, RemovalPolicy, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { DatabaseBackup } from '../backup';
import { Cache } from '../cache';
import type { PlatformConfig, RegionRole } from '../config/types';
import { Database } from '../database';
import { Fleet, HEALTH_CHECK_PATH } from '../fleet';
import { LogsKey } from '../logs-key';
import { grantMediaObjectAccess, MediaStorage } from '../media-storage';
import { RegionalMonitoring } from '../monitoring';
import { PlatformNames } from '../names';
import { Network } from '../network';
import { endpointHealthCheck, OriginFailoverRecords } from '../origin-failover';
import { OriginVerifySecret, originVerification } from '../origin-verify';
import { FailoverRunbook, failoverRunbookPropsFromConfig } from '../runbook';
import { Search } from '../search';
import { ServiceBundle } from '../service-bundle';
import { ServiceSettings } from '../service-settings';
import { Streaming } from '../streaming';

/** Properties of {@link RegionalStack}. */
export interface RegionalStackProps extends StackProps {
  readonly config: PlatformConfig;

  /** `primary` serves all traffic; `standby` is the warm, scaled-down copy. */
  readonly role: RegionRole;

  /**
   * The region's data key, when another stack of the region owns it (the standby foundation's).
   * @default - a new key with the data key alias (the primary region)
   */
  readonly dataKey?: kms.IKey;
}

/**
 * One region of the service. The primary (us-east-1) and the standby (us-west-2) are built from
 * this same code; only the role and the role's sizes differ.
 */
export class RegionalStack extends Stack {
  readonly role: RegionRole;
  readonly network: Network;
  readonly logsKey: LogsKey;

  /**
   * The security group of the service's EC2 instances. Data stores admit this group (and no CIDR)
   * on their own port; the fleet's load balancer is admitted into it.
   */
  readonly fleetSecurityGroup: ec2.SecurityGroup;

  /** The JWT signing key and the write switch the service reads. */
  readonly serviceSettings: ServiceSettings;

  /** The bundled service the fleet runs. */
  readonly serviceBundle: ServiceBundle;

  /** The ALB and Auto Scaling group of the service. */
  readonly fleet: Fleet;

  /**
   * The origin secret that CloudFront sends and both ALBs require (the primary only; the standby
   * resolves its replica by name).
   */
  readonly originVerifySecret?: OriginVerifySecret;

  /** The fleet's internet-facing ALB: the origin the edge's Route 53 failover records point at. */
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;

  /**
   * The media bucket and its replication (the primary only; the standby's media bucket is the
   * replica in the standby foundation).
   */
  readonly mediaStorage?: MediaStorage;

  /** This region's records of the origin failover pair, and in the primary its health checks. */
  readonly originFailover: OriginFailoverRecords;

  /** Encrypts the region's data stores, their secrets and snapshots. */
  readonly dataKey: kms.IKey;

  /** PostgreSQL: the primary with its replicas, or in the standby region the cross-region replica. */
  readonly database: Database;

  /** Redis, cluster mode enabled. */
  readonly cache: Cache;

  /** MSK: the event stream the service's outbox relays to. */
  readonly streaming: Streaming;

  /** OpenSearch: the search index of users and captions. */
  readonly search: Search;

  /** AWS Backup of the database with copies into the standby region (the primary only). */
  readonly databaseBackup?: DatabaseBackup;

  /** The regional failover runbook (the standby only: it must run while us-east-1 is down). */
  readonly failoverRunbook?: FailoverRunbook;
  /** Alarms, alert topics and the dashboard of this region (`lib/monitoring.ts`). */
  readonly monitoring: RegionalMonitoring;

  constructor(scope: Construct, id: string, props: RegionalStackProps) {
    super(scope, id, props);
    const { config, role } = props;
    const names = new PlatformNames(config);
    this.role = role;

    this.logsKey = new LogsKey(this, 'LogsKey', { aliasName: names.logsKeyAlias() });

    this.network = new Network(this, 'Network', {
      config: config[role].network,
      availabilityZones: config.regions[role].availabilityZones,
      logsKey: this.logsKey.key,
    });

    this.fleetSecurityGroup = new ec2.SecurityGroup(this, 'FleetSecurityGroup', {
      vpc: this.network.vpc,
      description: 'The photo API instances',
      allowAllOutbound: true,
    });

    const data = config[role].data;
    const azs = config.regions[role].availabilityZones;
    const otherRole: RegionRole = role === 'primary' ? 'standby' : 'primary';
    // The foundation's key is used through an ARN view: grants on the key object itself would
    // write the foundation stack's key policy from this stack and make a cycle (the key policy
    // already delegates to IAM).
    this.dataKey = props.dataKey
      ? kms.Key.fromKeyArn(this, 'FoundationDataKey', props.dataKey.keyArn)
      : new kms.Key(this, 'DataKey', {
          alias: names.dataKeyAlias(),
          description: 'Encrypts the photo platform data stores of this region',
          enableKeyRotation: true,
          removalPolicy: RemovalPolicy.RETAIN,
        });

    this.database = new Database(this, 'Database', {
      config: data.database,
      vpc: this.network.vpc,
      availabilityZones: azs,
      instanceIdentifier: names.databaseInstanceIdentifier(role),
      encryptionKey: this.dataKey,
      logsKey: this.logsKey.key,
      logRetentionDays: data.database.logRetentionDays,
      clientSecurityGroups: [this.fleetSecurityGroup],
      ...(role === 'primary'
        ? {
            secretName: names.databaseSecretName(),
            secretReplicaKeys: {
              [config.regions[otherRole].region]: kms.Key.fromKeyArn(
                this,
                'StandbyDataKey',
                names.dataKeyAliasArn(otherRole),
              ),
            },
          }
        : {
            replicaOf: {
              instanceArn: names.databaseInstanceArn(otherRole),
              region: config.regions[otherRole].region,
            },
          }),
    });

    this.cache = new Cache(this, 'Cache', {
      config: data.cache,
      vpc: this.network.vpc,
      availabilityZones: azs,
      replicationGroupId: names.cacheReplicationGroupId(role),
      encryptionKey: this.dataKey,
      clientSecurityGroups: [this.fleetSecurityGroup],
    });

    this.streaming = new Streaming(this, 'Streaming', {
      config: data.streaming,
      vpc: this.network.vpc,
      clusterName: names.streamingClusterName(role),
      encryptionKey: this.dataKey,
      logsKey: this.logsKey.key,
      clientSecurityGroups: [this.fleetSecurityGroup],
    });

    // The fleet's role is the search master user; it is declared below, after the endpoint it reads.
    let fleetRoleArn: string | undefined;
    this.search = new Search(this, 'Search', {
      config: data.search,
      vpc: this.network.vpc,
      domainName: names.searchDomainName(role),
      // The domain takes the key id, which only the key itself gives as a plain reference (the
      // ARN view would split an ARN, which the linter cannot follow through a stack output).
      encryptionKey: props.dataKey ?? this.dataKey,
      logsKey: this.logsKey.key,
      clientSecurityGroups: [this.fleetSecurityGroup],
      masterUserArn: Lazy.string({
        produce: () => {
          if (!fleetRoleArn) throw new Error('RegionalStack: the search master user is read before the fleet exists');
          return fleetRoleArn;
        },
      }),
    });

    if (data.backup) {
      this.databaseBackup = new DatabaseBackup(this, 'DatabaseBackup', {
        config: data.backup,
        database: this.database.instance,
        vaultName: names.backupVaultName(role),
        encryptionKey: this.dataKey,
        copyVaultArn: names.backupVaultArn(otherRole),
      });
    }

    // The standby reads the replica of the primary's master secret by name: a partial ARN (no
    // random suffix), which GetSecretValue resolves, so nothing is imported from us-east-1.
    const databaseSecret =
      this.database.secret ??
      secretsmanager.Secret.fromSecretNameV2(this, 'DatabaseSecret', names.databaseSecretName());
    const databaseSecretArn = this.database.secret
      ? this.database.secret.secretArn
      : `arn:aws:secretsmanager:${config.regions[role].region}:${config.account}:secret:${names.databaseSecretName()}`;

    this.serviceSettings = new ServiceSettings(this, 'ServiceSettings', {
      role,
      jwtSecretName: names.jwtSecretName(),
      standbyRegion: config.regions.standby.region,
      writeSwitchParameterName: names.writeSwitchParameterName(),
    });
    this.serviceBundle = new ServiceBundle(this, 'ServiceBundle');
    // The primary owns the origin secret and replicates it to the standby region (see
    // OriginVerifySecret for why this stack); both ALBs resolve it by name in their own region.
    if (role === 'primary') {
      this.originVerifySecret = new OriginVerifySecret(this, 'OriginVerify', {
        secretName: names.originVerifySecretName(),
        replicaRegion: config.regions.standby.region,
      });
    }
    this.fleet = new Fleet(this, 'Fleet', {
      config: config[role].fleet,
      vpc: this.network.vpc,
      securityGroup: this.fleetSecurityGroup,
      hostedZone: route53.HostedZone.fromHostedZoneAttributes(this, 'HostedZone', {
        hostedZoneId: config.hostedZoneId,
        zoneName: config.hostedZoneName,
      }),
      certificateDomainName: names.regionalOriginDomainName(role),
      certificateAlternativeNames: [names.originDomainName()],
      serviceBundle: this.serviceBundle.asset,
      serviceEnvironment: {
        DB_HOST: this.database.endpointAddress,
        DB_PORT: String(this.database.port),
        DB_NAME: this.database.databaseName,
        // Every in-region replica (RDS instances have no shared reader endpoint, and a CNAME over
        // them would fail verify-full); each instance picks one. The standby reads its only instance.
        DB_READ_HOST: (this.database.readEndpointAddresses.length > 0
          ? this.database.readEndpointAddresses
          : [this.database.endpointAddress]
        ).join(','),
        DB_SECRET_ARN: databaseSecretArn,
        // The primary's bucket, or in the standby region its replica: uploads go there after a failover.
        MEDIA_BUCKET: names.mediaBucketName(role),
        REDIS_URL: `rediss://${this.cache.configurationEndpointAddress}:${this.cache.port}`,
        REDIS_CLUSTER: 'true',
        REDIS_AUTH_SECRET_ARN: this.cache.authToken.secretArn,
        OPENSEARCH_ENDPOINT: this.search.endpoint,
        KAFKA_BROKERS: this.streaming.bootstrapBrokers,
      },
      readableSecrets: [databaseSecret, this.cache.authToken],
      readableKeys: [this.dataKey],
      jwtSecret: this.serviceSettings.jwtSecret,
      writeSwitchParameter: this.serviceSettings.writeSwitch,
      logsKey: this.logsKey.key,
      metricsNamespace: names.fleetMetricsNamespace(),
      originVerification: originVerification(config.edge.originVerify, names.originVerifySecretName()),
    });
    // A reference by name carries no dependency: the listener's rules resolve the secret, so in the
    // stack that creates it they must come after it.
    const originSecret = this.originVerifySecret?.secret;
    if (originSecret) {
      for (const rule of this.fleet.httpsListener.node.children) {
        if (rule instanceof elbv2.ApplicationListenerRule) rule.node.addDependency(originSecret);
      }
    }
    this.loadBalancer = this.fleet.loadBalancer;
    fleetRoleArn = this.fleet.instanceRole.roleArn;
    this.search.grantReadWrite(this.fleet.instanceRole);
    this.grantKafkaClient(this.fleet.instanceRole);

    // --- Media storage and the origin failover pair (issue 6) ---------------------------------
    // Media: the primary owns the bucket and replicates it to the standby foundation's replica,
    // which it names (bucket and key alias) rather than references. Each region writes its own
    // failover record, to its own regional name (an alias of its own ALB), so neither refers to the
    // other region.
    const standbyRegion = config.regions.standby.region;
    if (role === 'primary') {
      this.mediaStorage = new MediaStorage(this, 'MediaStorage', {
        bucketName: names.mediaBucketName('primary'),
        config: config.media,
        encryptionKey: this.dataKey,
        replication: {
          bucketName: names.mediaBucketName('standby'),
          region: standbyRegion,
          keyAliasName: names.dataKeyAlias(),
          ruleId: names.mediaReplicationRuleId(),
        },
      });
    }
    grantMediaObjectAccess(this, 'MediaAccess', this.fleet.instanceRole, {
      bucketName: names.mediaBucketName(role),
      region: config.regions[role].region,
      key: this.dataKey,
    });
    this.originFailover = new OriginFailoverRecords(this, 'OriginFailover', {
      role,
      hostedZone: route53.HostedZone.fromHostedZoneAttributes(this, 'OriginHostedZone', {
        hostedZoneId: config.hostedZoneId,
        zoneName: config.hostedZoneName,
      }),
      loadBalancer: this.loadBalancer,
      regionalDomainName: names.regionalOriginDomainName(role),
      failoverDomainName: names.originDomainName(),
      setIdentifier: names.originFailoverSetIdentifier(role),
      config: config.edge.originFailover,
      healthCheck:
        role === 'primary'
          ? {
              path: HEALTH_CHECK_PATH,
              switchAlarm: { name: names.failoverSwitchAlarmName(), region: standbyRegion },
              name: names.primaryOriginHealthCheckName(),
            }
          : undefined,
    });

    // --- The failover runbook (issue 7), in the standby region only ----------------------------
    // It reads the primary's health as Route 53's checkers see it through an observer check of
    // its own, defined like the primary's endpoint check: the primary's check lives in us-east-1,
    // which a us-west-2 template must not import from.
    if (role === 'standby') {
      const primaryObserver = endpointHealthCheck(this, 'PrimaryOriginObserver', {
        fqdn: names.regionalOriginDomainName('primary'),
        path: HEALTH_CHECK_PATH,
        config: config.edge.originFailover,
      });
      Tags.of(primaryObserver).add('Name', `${names.primaryOriginHealthCheckName()}-observer`);
      this.failoverRunbook = new FailoverRunbook(this, 'FailoverRunbook', {
        ...failoverRunbookPropsFromConfig(config, {
          primaryHealthCheckId: primaryObserver.healthCheckId,
          dbInstanceIdentifier: names.databaseInstanceIdentifier('standby'),
          autoScalingGroupName: this.fleet.autoScalingGroup.autoScalingGroupName,
          logsKey: this.logsKey.key,
        }),
        // The standby foundation owns the switch alarm, so that Route 53 can watch it before this stack exists.
        createSwitchAlarm: false,
      });
    }
    // Monitoring and alerting: the alarms of every tier above, their composite alarms and encrypted
    // topics, and the region's dashboard. Kept last so that it sees every tier.
    this.monitoring = new RegionalMonitoring(this, 'Monitoring', {
      config: config[role].monitoring,
      role,
      names,
      fleet: this.fleet,
      fleetMinCapacity: config[role].fleet.minCapacity,
      database: this.database,
      rpoBudgetSeconds: data.database.rpoBudgetSeconds,
      cache: this.cache,
      streaming: this.streaming,
      search: this.search,
      infrastructureAlarms: [
        this.mediaStorage?.replicationLatencyAlarm,
        this.mediaStorage?.replicationFailureAlarm,
      ].filter((alarm) => alarm !== undefined),
    });
  }

  /** Lets `role` connect to the cluster and produce to (and create) its topics with IAM auth. */
  private grantKafkaClient(role: iam.IRole): void {
    const arns = this.streaming.clientResourceArns();
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'KafkaConnect',
        actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'],
        resources: [arns.cluster],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'KafkaProduce',
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:CreateTopic', 'kafka-cluster:WriteData'],
        resources: [arns.topics],
      }),
    );
  }
}
