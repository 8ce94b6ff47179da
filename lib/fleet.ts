import { type CfnResource, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { CpuScalingPolicyConfig, FleetConfig } from './config/fleet';
import { SERVICE_PATHS, SERVICE_PORT, serviceUserData } from './fleet-user-data';
import { isSecretsManagerReference, type OriginVerification } from './origin-verify';

/**
 * Environment variables of the service that other tiers provide (data-store endpoints, secret ARNs,
 * bucket names). The fleet sets the rest itself: `PORT`, `TLS_CERT_FILE`, `TLS_KEY_FILE`,
 * `DB_SSL`, `DB_CA_FILE`, `AWS_REGION`, `JWT_SECRET_ARN`, `WRITE_SWITCH_PARAMETER`, `LOG_LEVEL`.
 */
export const TIER_ENVIRONMENT_KEYS = [
  'DB_HOST',
  'DB_PORT',
  'DB_NAME',
  'DB_READ_HOST',
  'DB_SECRET_ARN',
  'REDIS_URL',
  'REDIS_CLUSTER',
  'REDIS_AUTH_SECRET_ARN',
  'MEDIA_BUCKET',
  'OPENSEARCH_ENDPOINT',
  'KAFKA_BROKERS',
] as const;

/** An environment variable another tier provides. */
export type TierEnvironmentKey = (typeof TIER_ENVIRONMENT_KEYS)[number];

/** The ALB's TLS policy: TLS 1.3 and TLS 1.2 with forward-secret AES-GCM suites only. */
export const LOAD_BALANCER_SSL_POLICY = elbv2.SslPolicy.TLS13_RES;

/** Path of the service's health endpoint, checked by the ALB. */
export const HEALTH_CHECK_PATH = '/health';

/**
 * Body of the HTTPS listener's answer (403) to a request without the origin-verify header: it names
 * neither the header nor its value, only that the origin serves CloudFront.
 */
export const ORIGIN_REFUSAL_BODY = JSON.stringify({
  error: { code: 'FORBIDDEN', message: 'this origin answers only requests that come through the public name' },
});

/** Priorities of the HTTPS listener's rules: `GET|HEAD /health` first, then the verified requests. */
export const LISTENER_RULE_PRIORITIES = { health: 10, verified: 20 } as const;

/** Properties of {@link Fleet}. */
export interface FleetProps {
  /** Sizes, scaling policies, health check and ALB settings of this region's fleet. */
  readonly config: FleetConfig;

  /** The region's VPC: the ALB goes in its public subnets, the instances in its private ones. */
  readonly vpc: ec2.IVpc;

  /** Security group of the instances; data stores admit it, and the fleet admits the ALB into it. */
  readonly securityGroup: ec2.ISecurityGroup;

  /** Public hosted zone in which the ALB certificate is DNS-validated. */
  readonly hostedZone: route53.IHostedZone;

  /** Name on the ALB certificate: the region's own origin name, such as `us-east-1.origin.photos.example.com`. */
  readonly certificateDomainName: string;

  /**
   * Further names on the certificate: the failover origin name CloudFront uses.
   *
   * @default - none
   */
  readonly certificateAlternativeNames?: readonly string[];

  /** The bundled service (`server.js`). */
  readonly serviceBundle: s3assets.Asset;

  /**
   * Settings from the data tiers, written into the service's environment. Only the keys of
   * `TIER_ENVIRONMENT_KEYS`; values are not secrets (secrets travel as ARNs).
   *
   * @default - none: the service starts without data-store settings
   */
  readonly serviceEnvironment?: Readonly<Partial<Record<TierEnvironmentKey, string>>>;

  /** The JWT signing key; its ARN goes in `JWT_SECRET_ARN` and the instances may read it. */
  readonly jwtSecret: secretsmanager.ISecret;

  /** The write switch; its name goes in `WRITE_SWITCH_PARAMETER` and the instances may read it. */
  readonly writeSwitchParameter: ssm.IStringParameter;

  /**
   * Further secrets the instances may read (database and Redis credentials).
   *
   * @default - none
   */
  readonly readableSecrets?: readonly secretsmanager.ISecret[];

  /**
   * KMS keys the instances may decrypt with, for secrets referred to by name (a replica secret
   * in the standby region carries its region's data key).
   *
   * @default - none
   */
  readonly readableKeys?: readonly kms.IKey[];

  /** Key that encrypts the service log group. */
  readonly logsKey: kms.IKey;

  /** CloudWatch namespace of the instances' memory and disk metrics and the service's scraped ones, such as `photo-prod/fleet`. */
  readonly metricsNamespace: string;

  /**
   * The origin-verify header the HTTPS listener requires before it forwards (`originVerification`
   * in `lib/origin-verify.ts`): one or two accepted values, each a Secrets Manager dynamic reference.
   */
  readonly originVerification: OriginVerification;
}

/**
 * The app fleet of one region: an internet-facing ALB (HTTPS with TLS 1.3, HTTP redirected, access
 * logs), an Auto Scaling group of Graviton instances in the private subnets that serve HTTPS
 * themselves, and the seed's CPU scaling policy.
 *
 * The HTTPS listener forwards a request to the service only when it carries the origin-verify header
 * with an accepted value (CloudFront adds it), or when it is `GET` or `HEAD` of exactly `/health`:
 * Route 53's health checkers and the failover runbook's verify step call that on the regional
 * origin names and cannot send the header. Everything else gets a fixed 403 from the ALB itself.
 *
 * Scaling uses two SimpleScaling policies, each with its own cooldown, triggered by two CloudWatch
 * alarms on the group's average CPU. (Step scaling has no cooldown in CloudFormation, and target
 * tracking would not follow the seed's fixed steps.)
 *
 * Capacity: `minCapacity`/`maxCapacity` bound the group. `desiredCapacityAtCreation`, when set, is
 * written as `DesiredCapacity` directly on the group (never through the L2 `desiredCapacity`,
 * which warns). It takes effect when CloudFormation creates the group; on updates the
 * `AutoScalingScheduledAction.IgnoreUnmodifiedGroupSizeProperties` update policy makes
 * CloudFormation leave MinSize, MaxSize and DesiredCapacity as the group has them unless the
 * template value itself changed, so a deploy never resets the size the policies (or the failover
 * runbook) reached. Changing one of those config values does apply it once, on the next deploy.
 */
export class Fleet extends Construct {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly httpsListener: elbv2.ApplicationListener;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly certificate: acm.Certificate;
  readonly autoScalingGroup: autoscaling.AutoScalingGroup;
  readonly launchTemplate: ec2.LaunchTemplate;
  readonly instanceRole: iam.Role;
  readonly serviceLogGroup: logs.LogGroup;

  /** Receives the agent's embedded-metric events of the service's scraped Prometheus metrics. */
  readonly serviceMetricsLogGroup: logs.LogGroup;

  /** The service's non-secret environment, as `KEY=value` lines; the user data copies it to the instance. */
  readonly environmentParameter: ssm.StringParameter;

  /** Receives the group's launch, terminate and failure notifications (for monitoring to subscribe to). */
  readonly scalingEventsTopic: sns.Topic;

  readonly scaleOutPolicy: autoscaling.CfnScalingPolicy;
  readonly scaleInPolicy: autoscaling.CfnScalingPolicy;
  readonly scaleOutAlarm: cloudwatch.Alarm;
  readonly scaleInAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: FleetProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    validateServiceEnvironment(props.serviceEnvironment ?? {});
    validateOriginVerification(this, props.originVerification);

    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: props.certificateDomainName,
      subjectAlternativeNames: props.certificateAlternativeNames ? [...props.certificateAlternativeNames] : undefined,
      // The ACM validation record of a name is the same for every certificate of the account, so
      // both regions' certificates share the one record of the failover name.
      validation: acm.CertificateValidation.fromDns(props.hostedZone),
    });

    this.loadBalancer = this.createLoadBalancer(props);
    this.httpsListener = this.loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [this.certificate],
      sslPolicy: LOAD_BALANCER_SSL_POLICY,
      open: true,
    });
    this.loadBalancer.addRedirect({
      sourcePort: 80,
      sourceProtocol: elbv2.ApplicationProtocol.HTTP,
      targetPort: 443,
      targetProtocol: elbv2.ApplicationProtocol.HTTPS,
    });

    this.serviceLogGroup = new logs.LogGroup(this, 'ServiceLogs', {
      retention: config.serviceLogRetentionDays as logs.RetentionDays,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.serviceMetricsLogGroup = new logs.LogGroup(this, 'ServiceMetricsLogs', {
      retention: config.serviceMetricsLogRetentionDays as logs.RetentionDays,
      encryptionKey: props.logsKey,
      // Only the raw events of metrics CloudWatch has already extracted: nothing to keep.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.environmentParameter = new ssm.StringParameter(this, 'ServiceEnvironment', {
      description: 'Non-secret environment of the photo API service, as KEY=value lines',
      stringValue: renderEnvironment({
        PORT: String(SERVICE_PORT),
        TLS_CERT_FILE: SERVICE_PATHS.tlsCertificate,
        TLS_KEY_FILE: SERVICE_PATHS.tlsKey,
        DB_SSL: 'verify-full',
        DB_CA_FILE: SERVICE_PATHS.databaseCaBundle,
        AWS_REGION: stack.region,
        JWT_SECRET_ARN: props.jwtSecret.secretArn,
        WRITE_SWITCH_PARAMETER: props.writeSwitchParameter.parameterName,
        LOG_LEVEL: config.logLevel,
        ...props.serviceEnvironment,
      }),
    });

    this.instanceRole = this.createInstanceRole(props);
    this.launchTemplate = new ec2.LaunchTemplate(this, 'LaunchTemplate', {
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
      instanceType: new ec2.InstanceType(config.instanceType),
      role: this.instanceRole,
      securityGroup: props.securityGroup,
      userData: serviceUserData({
        bundleBucketName: props.serviceBundle.s3BucketName,
        bundleObjectKey: props.serviceBundle.s3ObjectKey,
        environmentParameterName: this.environmentParameter.parameterName,
        region: stack.region,
        serviceLogGroupName: this.serviceLogGroup.logGroupName,
        metricsNamespace: props.metricsNamespace,
        serviceMetricsLogGroupName: this.serviceMetricsLogGroup.logGroupName,
      }),
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      // One-minute EC2 metrics, so that the scaling alarms see one-minute periods.
      detailedMonitoring: true,
      blockDevices: [
        {
          deviceName: '/dev/xvda',
          volume: ec2.BlockDeviceVolume.ebs(config.rootVolumeGiB, {
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            encrypted: true,
            deleteOnTermination: true,
          }),
        },
      ],
    });

    this.scalingEventsTopic = this.createScalingEventsTopic();
    const gracePeriod = Duration.seconds(config.healthCheckGracePeriodSeconds);
    this.autoScalingGroup = new autoscaling.AutoScalingGroup(this, 'Group', {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplate: this.launchTemplate,
      minCapacity: config.minCapacity,
      maxCapacity: config.maxCapacity,
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({
        additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB],
        gracePeriod,
      }),
      // Replaces instances in batches when the launch template changes, keeping most of the
      // group's current (not the template's) capacity in service.
      updatePolicy: autoscaling.UpdatePolicy.instanceRefresh({
        strategy: autoscaling.InstanceRefreshStrategy.ROLLING,
        minHealthyPercentage: config.instanceRefreshMinHealthyPercent,
        maxHealthyPercentage: config.instanceRefreshMinHealthyPercent + 20,
        instanceWarmup: gracePeriod,
      }),
      ignoreUnmodifiedSizeProperties: true,
      notifications: [{ topic: this.scalingEventsTopic }],
      groupMetrics: [autoscaling.GroupMetrics.all()],
    });
    if (config.desiredCapacityAtCreation !== undefined) {
      const group = this.autoScalingGroup.node.defaultChild as autoscaling.CfnAutoScalingGroup;
      group.desiredCapacity = String(config.desiredCapacityAtCreation);
    }

    // ListenerCondition takes strings, so each SecretValue is unwrapped; what it unwraps to is the
    // `{{resolve:secretsmanager:...}}` dynamic reference, which CloudFormation resolves at deploy
    // time. The value itself never appears in the template.
    const verify = props.originVerification;
    this.targetGroup = this.httpsListener.addTargets('Service', {
      priority: LISTENER_RULE_PRIORITIES.verified,
      conditions: [
        elbv2.ListenerCondition.httpHeader(
          verify.headerName,
          verify.acceptedValues.map((value) => value.unsafeUnwrap()),
        ),
      ],
      port: SERVICE_PORT,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      targets: [this.autoScalingGroup],
      deregistrationDelay: Duration.seconds(config.healthCheck.deregistrationDelaySeconds),
      healthCheck: {
        path: HEALTH_CHECK_PATH,
        protocol: elbv2.Protocol.HTTPS,
        port: String(SERVICE_PORT),
        interval: Duration.seconds(config.healthCheck.intervalSeconds),
        timeout: Duration.seconds(config.healthCheck.timeoutSeconds),
        healthyThresholdCount: config.healthCheck.healthyThreshold,
        unhealthyThresholdCount: config.healthCheck.unhealthyThreshold,
        healthyHttpCodes: '200',
      },
    });

    // The health endpoint without the header: exactly `/health` (path patterns ignore the query
    // string), GET or HEAD only, so it opens no other route of the service.
    this.httpsListener.addAction('Health', {
      priority: LISTENER_RULE_PRIORITIES.health,
      conditions: [
        elbv2.ListenerCondition.pathPatterns([HEALTH_CHECK_PATH]),
        elbv2.ListenerCondition.httpRequestMethods(['GET', 'HEAD']),
      ],
      action: elbv2.ListenerAction.forward([this.targetGroup]),
    });
    this.httpsListener.addAction('Default', {
      action: verify.enforced
        ? elbv2.ListenerAction.fixedResponse(403, { contentType: 'application/json', messageBody: ORIGIN_REFUSAL_BODY })
        : elbv2.ListenerAction.forward([this.targetGroup]),
    });

    [this.scaleOutPolicy, this.scaleOutAlarm] = this.addCpuPolicy('ScaleOut', config.scaleOut, 1);
    [this.scaleInPolicy, this.scaleInAlarm] = this.addCpuPolicy('ScaleIn', config.scaleIn, -1);

    // Known gap in the linter, not in the template: cfn-lint 1.51 (the newest on the CI image) has
    // schemas older than two CloudFormation features used here, the AutoScalingInstanceRefresh update
    // policy and Tags on ELBv2 listeners and listener rules. Each resource ignores only that one
    // check; drop these when cfn-lint knows the features.
    ignoreCfnLintCheck(this.autoScalingGroup.node.defaultChild as CfnResource, 'E3016');
    for (const listener of this.loadBalancer.listeners) {
      ignoreCfnLintCheck(listener.node.defaultChild as CfnResource, 'E3002');
      for (const rule of listener.node.children.filter((c) => c instanceof elbv2.ApplicationListenerRule)) {
        ignoreCfnLintCheck(rule.node.defaultChild as CfnResource, 'E3002');
      }
    }
  }

  private createLoadBalancer(props: FleetProps): elbv2.ApplicationLoadBalancer {
    const lb = props.config.loadBalancer;
    const accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      // ALB log delivery writes only to SSE-S3 buckets, not to KMS-encrypted ones.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(lb.accessLogRetentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      deletionProtection: lb.deletionProtection,
      dropInvalidHeaderFields: true,
      idleTimeout: Duration.seconds(lb.idleTimeoutSeconds),
      clientKeepAlive: Duration.seconds(lb.clientKeepAliveSeconds),
      http2Enabled: true,
    });
    loadBalancer.logAccessLogs(accessLogBucket, 'alb');
    return loadBalancer;
  }

  /** The instances' role: Session Manager, the service's own settings and secrets, logs and metrics. */
  private createInstanceRole(props: FleetProps): iam.Role {
    const role = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'Photo API instances: Session Manager, service settings and secrets, logs and metrics',
      // Session Manager in place of SSH; AWS keeps this policy in step with the SSM agent.
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });

    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadServiceBundle',
        actions: ['s3:GetObject'],
        resources: [
          Stack.of(this).formatArn({
            service: 's3',
            region: '',
            account: '',
            resource: props.serviceBundle.s3BucketName,
            resourceName: props.serviceBundle.s3ObjectKey,
          }),
        ],
      }),
    );
    this.environmentParameter.grantRead(role);
    props.writeSwitchParameter.grantRead(role);
    props.jwtSecret.grantRead(role);
    for (const secret of props.readableSecrets ?? []) secret.grantRead(role);
    for (const key of props.readableKeys ?? []) key.grantDecrypt(role);
    this.serviceLogGroup.grantWrite(role);
    this.serviceMetricsLogGroup.grantWrite(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PublishAgentMetrics',
        actions: ['cloudwatch:PutMetricData'],
        // PutMetricData has no resource type; the namespace condition confines it.
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': props.metricsNamespace } },
      }),
    );
    return role;
  }

  /**
   * The topic of the group's scaling notifications, encrypted with its own key. The key admits the
   * Auto Scaling service-linked role by ARN condition, because the role may not exist yet when the
   * key is created (it appears with the account's first Auto Scaling group).
   */
  private createScalingEventsTopic(): sns.Topic {
    const { account, partition } = Stack.of(this);
    const key = new kms.Key(this, 'ScalingEventsKey', {
      description: 'Encrypts the photo API fleet scaling notifications',
      enableKeyRotation: true,
      // A deleted key cannot decrypt what it encrypted, so even this one outlives its stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAutoScalingNotifications',
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:PrincipalAccount': account },
          ArnEquals: {
            'aws:PrincipalArn': `arn:${partition}:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
          },
        },
      }),
    );
    return new sns.Topic(this, 'ScalingEvents', {
      displayName: 'Photo API fleet scaling events',
      masterKey: key,
      enforceSSL: true,
    });
  }

  /**
   * One SimpleScaling policy and the alarm that runs it. `direction` is 1 to add instances when CPU
   * is above the threshold, -1 to remove them when it is below.
   */
  private addCpuPolicy(
    id: 'ScaleOut' | 'ScaleIn',
    policy: CpuScalingPolicyConfig,
    direction: 1 | -1,
  ): [autoscaling.CfnScalingPolicy, cloudwatch.Alarm] {
    const scalingPolicy = new autoscaling.CfnScalingPolicy(this, `${id}Policy`, {
      autoScalingGroupName: this.autoScalingGroup.autoScalingGroupName,
      policyType: 'SimpleScaling',
      adjustmentType: 'ChangeInCapacity',
      scalingAdjustment: direction * policy.adjustment,
      cooldown: String(policy.cooldownSeconds),
    });

    const alarm = new cloudwatch.Alarm(this, `${id}Alarm`, {
      alarmDescription:
        direction > 0
          ? `Average CPU above ${policy.cpuThresholdPercent}%: add ${policy.adjustment} instances`
          : `Average CPU below ${policy.cpuThresholdPercent}%: remove ${policy.adjustment} instances`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/EC2',
        metricName: 'CPUUtilization',
        dimensionsMap: { AutoScalingGroupName: this.autoScalingGroup.autoScalingGroupName },
        statistic: cloudwatch.Stats.AVERAGE,
        period: Duration.seconds(policy.periodSeconds),
      }),
      threshold: policy.cpuThresholdPercent,
      comparisonOperator:
        direction > 0
          ? cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
          : cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: policy.evaluationPeriods,
      datapointsToAlarm: policy.evaluationPeriods,
      // No data (a group between instances) is no reason to scale either way.
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });
    alarm.addAlarmAction({ bind: () => ({ alarmActionArn: scalingPolicy.attrArn }) });
    return [scalingPolicy, alarm];
  }
}

/** Throws when the tiers' environment holds a key outside the contract or a value that breaks the file format. */
function validateServiceEnvironment(environment: Readonly<Record<string, string | undefined>>): void {
  const allowed: readonly string[] = TIER_ENVIRONMENT_KEYS;
  for (const [key, value] of Object.entries(environment)) {
    if (!allowed.includes(key)) {
      throw new Error(
        `Fleet: serviceEnvironment key ${JSON.stringify(key)} is not one the tiers provide; allowed: ${allowed.join(', ')}`,
      );
    }
    if (typeof value !== 'string' || (!Token.isUnresolved(value) && /[\r\n]/.test(value))) {
      throw new Error(
        `Fleet: serviceEnvironment.${key} is ${JSON.stringify(value)}; allowed: a string on one line (or a token)`,
      );
    }
  }
}

function ignoreCfnLintCheck(resource: CfnResource, check: string): void {
  resource.addMetadata('cfn-lint', { config: { ignore_checks: [check] } });
}

function renderEnvironment(environment: Readonly<Record<string, string | undefined>>): string {
  return Object.entries(environment)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n');
}

/** One or two accepted values (current and previous), each a dynamic reference, never the value itself. */
function validateOriginVerification(scope: Construct, verification: OriginVerification): void {
  const values = verification.acceptedValues;
  if (values.length < 1 || values.length > 2) {
    throw new Error(
      `Fleet: originVerification.acceptedValues has ${values.length} values; allowed: 1 or 2 (current and previous)`,
    );
  }
  for (const [i, value] of values.entries()) {
    if (!isSecretsManagerReference(scope, value)) {
      throw new Error(
        `Fleet: originVerification.acceptedValues[${i}] is a plain value; allowed: a Secrets Manager dynamic ` +
          'reference (SecretValue.secretsManager), so that the secret stays out of the template',
      );
    }
  }
}
