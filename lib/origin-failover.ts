import { Duration, Tags } from 'aws-cdk-lib';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import type { OriginFailoverConfig } from './config/edge';
import { MAX_FAILOVER_TTL_SECONDS } from './config/edge';
import type { RegionRole } from './config/types';

/** The primary's health check: its endpoint, and the failover switch alarm that can overrule it. */
export interface PrimaryOriginHealthCheckProps {
  /** Path the Route 53 health checkers request over HTTPS on the regional origin name, such as `/health`. */
  readonly path: string;

  /** The failover switch alarm (`FailoverSwitch`), by name and region: it lives in the standby region. */
  readonly switchAlarm: { readonly name: string; readonly region: string };

  /** `Name` tag of the calculated check; its children get `-endpoint` and `-switch` appended. */
  readonly name: string;
}

/** Properties of {@link OriginFailoverRecords}. */
export interface OriginFailoverRecordsProps {
  /** `primary` writes the PRIMARY record and its health checks; `standby` the SECONDARY record. */
  readonly role: RegionRole;

  /** Public hosted zone of the service's domain. */
  readonly hostedZone: route53.IHostedZone;

  /** This region's ALB. */
  readonly loadBalancer: elbv2.ILoadBalancerV2;

  /** The name that reaches this region's ALB directly (`PlatformNames.regionalOriginDomainName`). */
  readonly regionalDomainName: string;

  /** The failover name CloudFront's API origin uses (`PlatformNames.originDomainName`). */
  readonly failoverDomainName: string;

  /** Set identifier of this region's failover record, unique within the pair. */
  readonly setIdentifier: string;

  /** Health-check interval and threshold, and the records' TTL. */
  readonly config: OriginFailoverConfig;

  /**
   * The health check of the PRIMARY record; required for the primary, refused for the standby.
   *
   * @default - none: the SECONDARY record has no health check, so Route 53 answers with it whenever
   * the primary is unhealthy
   */
  readonly healthCheck?: PrimaryOriginHealthCheckProps;
}

/**
 * One region's half of the origin failover pair, written by that region's own stack so that no
 * stack refers to another region's ALB:
 *
 * - `<region>.origin.<domain>`: an alias A record to this region's ALB;
 * - `origin.<domain>`: a failover CNAME to that regional name, PRIMARY in us-east-1, SECONDARY in
 *   us-west-2, with the TTL from config. A CNAME rather than an alias, because an alias record
 *   takes its target's TTL and the failover TTL is a budgeted setting (the seed: at most 5 minutes).
 *
 * The PRIMARY record carries a calculated health check that is healthy only while both of its
 * children are: an HTTPS check of `/health` on the primary's regional name, and a check of the
 * failover switch alarm in the standby region. The runbook forces a failover by driving that alarm
 * from us-west-2, so the switch never needs the Route 53 control plane in us-east-1.
 */
export class OriginFailoverRecords extends Construct {
  readonly regionalRecord: route53.ARecord;
  readonly failoverRecord: route53.CnameRecord;

  /** The calculated health check on the PRIMARY record (the primary only). */
  readonly healthCheck?: route53.HealthCheck;

  /** The HTTPS check of the primary's `/health` (the primary only). */
  readonly endpointHealthCheck?: route53.HealthCheck;

  /** The check of the failover switch alarm (the primary only). */
  readonly switchHealthCheck?: route53.HealthCheck;

  constructor(scope: Construct, id: string, props: OriginFailoverRecordsProps) {
    super(scope, id);
    validateProps(props);
    const { config } = props;

    this.regionalRecord = new route53.ARecord(this, 'RegionalRecord', {
      zone: props.hostedZone,
      recordName: props.regionalDomainName,
      target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(props.loadBalancer)),
      comment: `The ${props.role} region's ALB, directly`,
    });

    if (props.healthCheck) {
      [this.healthCheck, this.endpointHealthCheck, this.switchHealthCheck] = this.createHealthChecks(
        props.regionalDomainName,
        props.healthCheck,
        config,
      );
    }

    this.failoverRecord = new route53.CnameRecord(this, 'FailoverRecord', {
      zone: props.hostedZone,
      recordName: props.failoverDomainName,
      domainName: props.regionalDomainName,
      ttl: Duration.seconds(config.recordTtlSeconds),
      failover: props.role === 'primary' ? route53.Failover.PRIMARY : route53.Failover.SECONDARY,
      setIdentifier: props.setIdentifier,
      healthCheck: this.healthCheck,
      comment: `API origin failover: ${props.role === 'primary' ? 'PRIMARY' : 'SECONDARY'}`,
    });
  }

  private createHealthChecks(
    fqdn: string,
    props: PrimaryOriginHealthCheckProps,
    config: OriginFailoverConfig,
  ): [route53.HealthCheck, route53.HealthCheck, route53.HealthCheck] {
    const endpoint = endpointHealthCheck(this, 'EndpointHealthCheck', { fqdn, path: props.path, config });
    Tags.of(endpoint).add('Name', `${props.name}-endpoint`);

    const failoverSwitch = new route53.HealthCheck(this, 'SwitchHealthCheck', {
      type: route53.HealthCheckType.CLOUDWATCH_METRIC,
      alarmIdentifier: { name: props.switchAlarm.name, region: props.switchAlarm.region },
      // The alarm sits in INSUFFICIENT_DATA until the runbook first writes the switch: a new check
      // is healthy then, and once written, the last value holds (see FailoverSwitch).
      insufficientDataHealthStatus: route53.InsufficientDataHealthStatusEnum.LAST_KNOWN_STATUS,
    });
    Tags.of(failoverSwitch).add('Name', `${props.name}-switch`);

    const calculated = new route53.HealthCheck(this, 'HealthCheck', {
      type: route53.HealthCheckType.CALCULATED,
      childHealthChecks: [endpoint, failoverSwitch],
      healthThreshold: 2,
    });
    Tags.of(calculated).add('Name', props.name);
    return [calculated, endpoint, failoverSwitch];
  }
}

function validateProps(props: OriginFailoverRecordsProps): void {
  if (props.role === 'primary' && !props.healthCheck) {
    throw new Error('OriginFailoverRecords: healthCheck is required for the primary role (the PRIMARY record)');
  }
  if (props.role === 'standby' && props.healthCheck) {
    throw new Error(
      'OriginFailoverRecords: healthCheck is set for the standby role; allowed: nothing, the SECONDARY record ' +
        'has no health check',
    );
  }
  const suffix = `.${props.hostedZone.zoneName}`;
  for (const [prop, name] of [
    ['regionalDomainName', props.regionalDomainName],
    ['failoverDomainName', props.failoverDomainName],
  ] as const) {
    if (!name.endsWith(suffix)) {
      throw new Error(
        `OriginFailoverRecords: ${prop} is ${JSON.stringify(name)}; allowed: a name inside the hosted zone ${props.hostedZone.zoneName}`,
      );
    }
  }
  const ttl = props.config.recordTtlSeconds;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_FAILOVER_TTL_SECONDS) {
    throw new Error(
      `OriginFailoverRecords: config.recordTtlSeconds is ${ttl}; allowed: an integer from 1 to ${MAX_FAILOVER_TTL_SECONDS}`,
    );
  }
  if (props.healthCheck && !props.healthCheck.path.startsWith('/')) {
    throw new Error(
      `OriginFailoverRecords: healthCheck.path is ${JSON.stringify(props.healthCheck.path)}; allowed: a path starting with /`,
    );
  }
}

/**
 * An HTTPS health check on `fqdn` + `path` with the origin failover's interval and threshold: the
 * primary's endpoint check, and the standby's observer of it (which the failover runbook reads, as
 * the standby cannot import the primary's check from us-east-1).
 */
export function endpointHealthCheck(
  scope: Construct,
  id: string,
  props: { readonly fqdn: string; readonly path: string; readonly config: OriginFailoverConfig },
): route53.HealthCheck {
  return new route53.HealthCheck(scope, id, {
    type: route53.HealthCheckType.HTTPS,
    fqdn: props.fqdn,
    port: 443,
    resourcePath: props.path,
    enableSNI: true,
    requestInterval: Duration.seconds(props.config.healthCheckIntervalSeconds),
    failureThreshold: props.config.healthCheckFailureThreshold,
  });
}
