import type { PlatformConfig, RegionRole } from './config/types';

/** Where the failover runbook reports that it runs: see {@link PlatformNames.failoverInProgressMetric}. */
export interface FailoverInProgressMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/**
 * Deterministic names of resources that are referred to across regions.
 *
 * A us-west-2 template must never import a value from us-east-1 (the standby has to deploy while
 * us-east-1 is down), so values that cross regions are rebuilt from these names instead of being
 * passed as references. Each name is a deploy-time contract: changing one replaces the resource.
 */
export class PlatformNames {
  constructor(private readonly config: PlatformConfig) {}

  /** Name of a stack of this deployment, for example `photo-prod-primary`. */
  stackName(part: 'standby-foundation' | 'edge' | RegionRole): string {
    return `${this.config.stackNamePrefix}-${part}`;
  }

  /** Alias of the KMS key that encrypts the data stores of one region. */
  dataKeyAlias(): string {
    return `alias/${this.config.stackNamePrefix}/data`;
  }

  /** Alias of the KMS key that encrypts the CloudWatch Logs log groups of one region. */
  logsKeyAlias(): string {
    return `alias/${this.config.stackNamePrefix}/logs`;
  }

  /** ARN of the data key alias in `role`'s region, usable from any region. */
  dataKeyAliasArn(role: RegionRole): string {
    const { region } = this.config.regions[role];
    return `arn:aws:kms:${region}:${this.config.account}:${this.dataKeyAlias()}`;
  }

  /**
   * The Route 53 failover name CloudFront's API origin points at: PRIMARY is the us-east-1 ALB,
   * SECONDARY the us-west-2 ALB. Each region's ALB certificate covers it.
   */
  originDomainName(): string {
    return `origin.${this.config.domainName}`;
  }

  /** The name that reaches one region's ALB directly, for health checks and drills. */
  regionalOriginDomainName(role: RegionRole): string {
    return `${this.config.regions[role].region}.origin.${this.config.domainName}`;
  }

  /**
   * Name of the CloudWatch alarm in the standby region that the failover runbook drives to force
   * the primary's Route 53 health check unhealthy (a data-plane switch, see DESIGN.md). It watches
   * the metric of `failoverSwitchMetric()`.
   */
  failoverSwitchAlarmName(): string {
    return `${this.config.stackNamePrefix}-force-primary-unhealthy`;
  }

  /**
   * The metric the failover runbook writes, in the standby region, to flip the failover switch.
   *
   * `PutMetricData` in `standby`'s region with this namespace, metric name and dimensions, at
   * standard resolution (Route 53 reads no high-resolution metrics) and with no unit: `forceValue`
   * (1) forces the primary unhealthy, `releaseValue` (0) releases it. The switch latches: after a
   * value, silence keeps the switch where it is, so the runbook writes once per flip (writing
   * again is harmless). A metric never written leaves the primary healthy.
   */
  failoverSwitchMetric(): FailoverSwitchMetric {
    return {
      region: this.config.regions.standby.region,
      namespace: `${this.config.stackNamePrefix}/failover`,
      metricName: 'ForcePrimaryUnhealthy',
      dimensions: { PrimaryRegion: this.config.regions.primary.region },
      forceValue: 1,
      releaseValue: 0,
    };
  }

  /**
   * `Name` tag of the primary's Route 53 health checks, so that the runbook finds them by tag (a
   * health check has no name of its own): the calculated check that the PRIMARY record carries,
   * and its two children, suffixed `-endpoint` and `-switch`.
   */
  primaryOriginHealthCheckName(): string {
    return `${this.config.stackNamePrefix}-primary-origin`;
  }

  /** Set identifier of `role`'s record in the origin failover pair. */
  originFailoverSetIdentifier(role: RegionRole): string {
    return `${role}-${this.config.regions[role].region}`;
  }

  /**
   * Name of `role`'s media bucket: the primary's holds the uploads, the standby's is its
   * cross-region replica (and takes the uploads after a failover). S3 names are global, so the name
   * carries the account and the region.
   */
  mediaBucketName(role: RegionRole): string {
    const { region } = this.config.regions[role];
    return `${this.config.stackNamePrefix}-media-${this.config.account}-${region}`;
  }

  /** ID of the replication rule of the media bucket, a dimension of its replication metrics. */
  mediaReplicationRuleId(): string {
    return 'media-to-standby';
  }

  /** Alias of the KMS key of the edge stack's CloudWatch Logs log groups (the WAF logs). */
  edgeLogsKeyAlias(): string {
    return `alias/${this.config.stackNamePrefix}/edge-logs`;
  }

  /** Log group of the WAF web ACL's logs; WAF requires the `aws-waf-logs-` prefix. */
  webAclLogGroupName(): string {
    return `aws-waf-logs-${this.config.stackNamePrefix}-edge`;
  }

  /** CloudWatch Logs delivery source and destination names of the CloudFront access logs. */
  distributionAccessLogNames(): { readonly source: string; readonly destination: string } {
    return {
      source: `${this.config.stackNamePrefix}-cdn-access-logs`,
      destination: `${this.config.stackNamePrefix}-cdn-access-logs-s3`,
    };
  }

  /** CloudWatch namespace of the failover runbook's metrics: the switch, observed RTO and RPO, step times. */
  failoverMetricsNamespace(): string {
    return `${this.config.stackNamePrefix}/failover`;
  }

  /** Name of the failover runbook's Step Functions state machine, in the standby region. */
  failoverRunbookStateMachineName(): string {
    return `${this.config.stackNamePrefix}-failover-runbook`;
  }

  /** ARN of the failover runbook's state machine, built from the config (no lookup, no us-east-1). */
  failoverRunbookStateMachineArn(): string {
    const { region } = this.config.regions.standby;
    return `arn:aws:states:${region}:${this.config.account}:stateMachine:${this.failoverRunbookStateMachineName()}`;
  }

  /** SSM parameter (one per region) holding the service's write switch: `on` or `off`. */
  writeSwitchParameterName(): string {
    return `/${this.config.stackNamePrefix}/service/writes-enabled`;
  }

  /**
   * Secrets Manager name of the service's JWT signing key. The primary region owns the secret and
   * replicates it under this same name to the standby region, so tokens stay valid after failover.
   */
  jwtSecretName(): string {
    return `${this.config.stackNamePrefix}/service/jwt-signing-key`;
  }

  /**
   * Secrets Manager name of the origin secret: the value CloudFront sends in the origin-verify
   * header and each region's ALB requires. The primary region owns it and replicates it under this
   * same name to the standby region; every stack resolves it by this name in its own region.
   */
  originVerifySecretName(): string {
    return `${this.config.stackNamePrefix}/edge/origin-verify`;
  }

  /**
   * RDS instance identifier of `role`'s database: the primary's, and in the standby region its
   * cross-region read replica's (which becomes the primary after a failover).
   */
  databaseInstanceIdentifier(role: RegionRole): string {
    return `${this.config.stackNamePrefix}-db-${role}`;
  }

  /** ARN of `role`'s database instance, usable from any region (the replica's source). */
  databaseInstanceArn(role: RegionRole): string {
    const { region } = this.config.regions[role];
    return `arn:aws:rds:${region}:${this.config.account}:db:${this.databaseInstanceIdentifier(role)}`;
  }

  /**
   * Name of the database's master-user secret. The primary replicates it into the standby region
   * under the same name, so the standby's service finds it while us-east-1 is down.
   */
  databaseSecretName(): string {
    return `${this.config.stackNamePrefix}/database/master`;
  }

  /** Name of the Redis replication group of one region. */
  cacheReplicationGroupId(role: RegionRole): string {
    return `${this.config.stackNamePrefix}-cache-${role}`;
  }

  /** Name of the AWS Backup vault of one region; the standby's receives the primary's copies. */
  backupVaultName(role: RegionRole): string {
    return `${this.config.stackNamePrefix}-data-${role}`;
  }

  /** ARN of `role`'s backup vault, usable from any region (the copy action's destination). */
  backupVaultArn(role: RegionRole): string {
    const { region } = this.config.regions[role];
    return `arn:aws:backup:${region}:${this.config.account}:backup-vault:${this.backupVaultName(role)}`;
  }

  /** Name of the MSK cluster of one region. */
  streamingClusterName(role: RegionRole): string {
    return `${this.config.stackNamePrefix}-events-${role}`;
  }

  /** Name of the OpenSearch domain of one region (at most 28 characters). */
  searchDomainName(role: RegionRole): string {
    return `${this.config.stackNamePrefix}-search-${role}`;
  }

  /** CloudWatch namespace of the fleet's agent metrics: memory, disk, and the service's scraped ones. */
  fleetMetricsNamespace(): string {
    return `${this.config.stackNamePrefix}/fleet`;
  }

  /** CloudWatch namespace of the metrics drawn from the database logs (slow queries). */
  databaseMetricsNamespace(): string {
    return `${this.config.stackNamePrefix}/database`;
  }

  /**
   * The metric the failover runbook publishes while it runs, in the region whose alarms it expects
   * to trip (the standby region, which takes the traffic), with `Region` set to that region.
   *
   * Contract for the runbook: `PutMetricData` with the value `1` when it starts and again after
   * every step, at least once every `monitoring.failoverSuppression.heartbeatWindowMinutes`
   * (10 minutes) while it runs, and `0` when it ends, whatever the outcome. Dry runs publish too,
   * so a drill rehearses the suppression. Any `1` in the last heartbeat window puts the
   * failover-in-progress alarm in alarm, which holds back the composite alarms a failover is
   * expected to trip (`lib/monitoring.ts`); the suppression ends one window after the last `1`
   * plus `extensionPeriodSeconds`, so a runbook that dies cannot silence them for good.
   */
  failoverInProgressMetric(role: RegionRole): FailoverInProgressMetric {
    return {
      namespace: `${this.config.stackNamePrefix}/failover`,
      metricName: 'FailoverInProgress',
      dimensions: { Region: this.config.regions[role].region },
    };
  }

  /** Name of one CloudWatch alarm of `role`'s region, such as `photo-prod-standby-high-error-rate`. */
  alarmName(role: RegionRole, alarm: string): string {
    return `${this.config.stackNamePrefix}-${role}-${alarm}`;
  }

  /** ARN of an alarm named by {@link alarmName}, usable from any region (a global dashboard). */
  alarmArn(role: RegionRole, alarm: string): string {
    const { region } = this.config.regions[role];
    return `arn:aws:cloudwatch:${region}:${this.config.account}:alarm:${this.alarmName(role, alarm)}`;
  }

  /** Name of `role`'s SNS topic of alerts of one severity, which the paging integration subscribes to. */
  alertTopicName(role: RegionRole, severity: 'critical' | 'warning'): string {
    return `${this.config.stackNamePrefix}-${role}-alerts-${severity}`;
  }

  /** Alias of the KMS key that encrypts the alert topics of one region. */
  alertsKeyAlias(): string {
    return `alias/${this.config.stackNamePrefix}/alerts`;
  }

  /** Name of the CloudWatch dashboard of `role`'s region. */
  dashboardName(role: RegionRole): string {
    return `${this.config.stackNamePrefix}-${role}`;
  }
}

/** The failover switch's metric: where the runbook writes it and what the values mean. */
export interface FailoverSwitchMetric {
  /** Region of the metric and its alarm: the standby region, which stays up when the primary fails. */
  readonly region: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;

  /** The value that forces the primary's health check unhealthy. */
  readonly forceValue: number;

  /** The value that releases the switch (the primary's own health decides again). */
  readonly releaseValue: number;
}
