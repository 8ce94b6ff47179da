import type { PlatformConfig, RegionRole } from './config/types';

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
   * the primary's Route 53 health check unhealthy (a data-plane switch, see DESIGN.md).
   */
  failoverSwitchAlarmName(): string {
    return `${this.config.stackNamePrefix}-force-primary-unhealthy`;
  }

  /**
   * The metric the failover switch alarm watches. The runbook writes it in the standby region (a
   * data-plane call) to drive the alarm; the namespace also holds the runbook's own metrics.
   */
  failoverSwitchMetric(): { readonly namespace: string; readonly metricName: string } {
    return { namespace: this.failoverMetricsNamespace(), metricName: 'ForcePrimaryUnhealthy' };
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
}
