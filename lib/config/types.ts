/**
 * The typed configuration of one deployment of the photo platform.
 *
 * `lib/app.ts` reads CDK context once, picks a profile, applies the context overrides and validates
 * the result with `validateConfig`; every stack and construct receives this object and never
 * reads context or `process.env` itself.
 */

import type { DataConfig } from './data';
import type { EdgeConfig } from './edge';
import type { FleetConfig } from './fleet';
import type { MediaConfig } from './media';
import type { MonitoringConfig } from './monitoring';

/** The role a regional stack plays in the warm-standby pair. */
export type RegionRole = 'primary' | 'standby';

/** Names of the built-in profiles. */
export type ProfileName = 'production' | 'development';

/** The VPC of one region. */
export interface NetworkConfig {
  /** IPv4 CIDR of the VPC; the two regions use disjoint ranges so that they can be peered later. */
  readonly vpcCidr: string;

  /** NAT gateways, one per AZ in production so that losing an AZ never cuts egress for the others. */
  readonly natGateways: number;

  /** Prefix length of each public subnet (ALB, NAT gateways). */
  readonly publicSubnetMask: number;

  /** Prefix length of each private-with-egress subnet (the EC2 fleet, MSK, Lambda ENIs). */
  readonly privateSubnetMask: number;

  /** Prefix length of each isolated subnet (RDS, ElastiCache, OpenSearch). */
  readonly isolatedSubnetMask: number;

  /** Days that VPC flow log records are kept in CloudWatch Logs. */
  readonly flowLogRetentionDays: number;

  /**
   * Interface endpoints created in the private subnets, by AWS service short name
   * (for example `ssm`, `secretsmanager`). Gateway endpoints for S3 and DynamoDB are always created.
   */
  readonly interfaceEndpoints: readonly string[];
}

/** Sizes and settings that differ between the primary and the standby region. */
export interface RegionalConfig {
  readonly network: NetworkConfig;

  /** The ALB and Auto Scaling group of the service (`fleet.ts`). */
  readonly fleet: FleetConfig;
  /** PostgreSQL, Redis, Kafka, OpenSearch and backups (see `data.ts`). */
  readonly data: DataConfig;

  /** Alert thresholds and windows, and the suppression during a failover (see `monitoring.ts`). */
  readonly monitoring: MonitoringConfig;
}

/** Everything one deployment needs. */
export interface PlatformConfig {
  /** The profile this config was built from. */
  readonly profile: ProfileName;

  /** Prefix of every stack name, so that two profiles can share one account. */
  readonly stackNamePrefix: string;

  /** The 12-digit AWS account that every stack deploys into. */
  readonly account: string;

  /** The public domain name that users reach the service at, for example `photos.example.com`. */
  readonly domainName: string;

  /** The ID of the Route 53 public hosted zone that holds `domainName`. */
  readonly hostedZoneId: string;

  /** The name of that hosted zone: `domainName` itself or one of its parents. */
  readonly hostedZoneName: string;

  /** Region names and the three Availability Zones used in each. */
  readonly regions: Readonly<Record<RegionRole, RegionPlacement>>;

  /**
   * The region that serves traffic: `primary` normally, `standby` after the failover runbook has
   * moved traffic to us-west-2 and until failback. With `standby`, the standby fleet's bounds are
   * the primary's production bounds the runbook scaled it to, so a redeploy keeps them.
   */
  readonly servingRegion: RegionRole;

  /** Per-role settings. */
  readonly primary: RegionalConfig;
  readonly standby: RegionalConfig;

  /** The media bucket and its replica (`media.ts`). */
  readonly media: MediaConfig;

  /** CloudFront, WAF and the Route 53 failover of the API origin (`edge.ts`). */
  readonly edge: EdgeConfig;
}

/** Where one role's stacks live. */
export interface RegionPlacement {
  readonly region: string;

  /** Exactly three Availability Zone names of `region`, pinned so that synth needs no lookup. */
  readonly availabilityZones: readonly string[];
}
