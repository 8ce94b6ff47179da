import { rtoBudget } from '../rto-budget';
import { validateData } from './data';
import { validateEdge } from './edge';
import { ConfigError, type ConfigProblem } from './errors';
import { validateFleet } from './fleet';
import { validateMedia } from './media';
import { validateMonitoring } from './monitoring';
import type { NetworkConfig, PlatformConfig, RegionRole } from './types';

/** Retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** The platform is built for exactly three AZs per region: losing one leaves two thirds of capacity. */
export const AZ_COUNT = 3;

const ROLES: readonly RegionRole[] = ['primary', 'standby'];

/**
 * Checks every setting of `config` and throws one `ConfigError` that lists all problems, each
 * with its key, the value received and what is allowed. Returns the config unchanged when valid.
 */
export function validateConfig(config: PlatformConfig): PlatformConfig {
  const problems: ConfigProblem[] = [];
  const check = (ok: boolean, key: string, value: unknown, allowed: string) => {
    if (!ok) problems.push({ key, value, allowed });
  };

  check(/^\d{12}$/.test(String(config.account)), 'account', config.account, 'a 12-digit AWS account id');
  check(
    isDomainName(config.domainName) && String(config.domainName).length <= MAX_DOMAIN_NAME_LENGTH,
    'domainName',
    config.domainName,
    `a lowercase DNS name such as photos.example.com, at most ${MAX_DOMAIN_NAME_LENGTH} characters (each region's ` +
      'certificate names <region>.origin.<domainName>, and ACM allows 64)',
  );
  check(
    /^Z[A-Z0-9]{1,31}$/.test(String(config.hostedZoneId)),
    'hostedZoneId',
    config.hostedZoneId,
    'a Route 53 hosted zone id: "Z" followed by up to 31 uppercase letters and digits',
  );
  check(
    isDomainName(config.hostedZoneName) &&
      (config.domainName === config.hostedZoneName || String(config.domainName).endsWith(`.${config.hostedZoneName}`)),
    'hostedZoneName',
    config.hostedZoneName,
    `the domain name ${config.domainName} or one of its parent domains below the top level`,
  );
  check(
    /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(String(config.stackNamePrefix)) &&
      String(config.stackNamePrefix).length >= 2 &&
      String(config.stackNamePrefix).length <= MAX_PREFIX_LENGTH,
    'stackNamePrefix',
    config.stackNamePrefix,
    `lowercase letters and digits in hyphen-separated words, 2 to ${MAX_PREFIX_LENGTH} characters, starting with a ` +
      'letter (it prefixes the OpenSearch domain names, which allow 28 characters)',
  );
  check(
    config.regions.primary.region === EDGE_REGION,
    'regions.primary.region',
    config.regions.primary.region,
    `${EDGE_REGION}: the edge stack shares the primary region, and CloudFront takes its certificate and WAF web ACL ` +
      `only from ${EDGE_REGION}`,
  );

  for (const role of ROLES) {
    const { region, availabilityZones } = config.regions[role];
    check(
      /^[a-z]{2}(-[a-z]+)+-\d$/.test(String(region)),
      `regions.${role}.region`,
      region,
      'an AWS region name such as us-east-1',
    );
    const azs = Array.isArray(availabilityZones) ? availabilityZones : [];
    check(
      azs.length === AZ_COUNT && new Set(azs).size === AZ_COUNT,
      `regions.${role}.availabilityZones`,
      availabilityZones,
      `exactly ${AZ_COUNT} distinct Availability Zone names`,
    );
    for (const [i, az] of azs.entries()) {
      check(
        typeof az === 'string' && new RegExp(`^${region}[a-z]$`).test(az),
        `regions.${role}.availabilityZones[${i}]`,
        az,
        `an Availability Zone of ${region}, such as ${region}a`,
      );
    }
    validateNetwork(config[role].network, `${role}.network`, check);
    problems.push(...validateFleet(config[role].fleet, role));
    problems.push(...validateData(config[role].data, role, `${role}.data`, azs.length, LOG_RETENTION_DAYS));
    problems.push(...validateMonitoring(config[role].monitoring, role));
  }
  check(
    config.servingRegion === 'primary' || config.servingRegion === 'standby',
    'servingRegion',
    config.servingRegion,
    'primary (normal operation) or standby (after a failover, until failback)',
  );
  check(
    config.regions.primary.region !== config.regions.standby.region,
    'regions.standby.region',
    config.regions.standby.region,
    `a region other than the primary region ${config.regions.primary.region}`,
  );
  const primaryCidr = parseCidr(config.primary.network.vpcCidr);
  const standbyCidr = parseCidr(config.standby.network.vpcCidr);
  if (primaryCidr && standbyCidr) {
    check(
      !overlaps(primaryCidr, standbyCidr),
      'standby.network.vpcCidr',
      config.standby.network.vpcCidr,
      `a range disjoint from primary.network.vpcCidr (${config.primary.network.vpcCidr})`,
    );
  }

  problems.push(...validateMedia(config.media), ...validateEdge(config.edge));

  if (problems.length > 0) throw new ConfigError(problems);
  checkRtoBudget(config);
  return config;
}

/** The sizes of a valid config must also fit the 15-minute RTO objective (lib/rto-budget.ts). */
function checkRtoBudget(config: PlatformConfig): void {
  const budget = rtoBudget(config);
  if (budget.withinObjective) return;
  throw new ConfigError([
    {
      key: 'edge.originFailover, standby.fleet',
      value: `an RTO budget of ${budget.totalSeconds} s (${budget.terms.map((t) => `${t.name} ${t.seconds} s`).join(', ')})`,
      allowed: `settings whose budget fits the ${budget.objectiveSeconds} s objective (see npm run drill and lib/rto-budget.ts)`,
    },
  ]);
}

/** The longest stack name prefix: `<prefix>-search-standby` must fit OpenSearch's 28 characters. */
const MAX_PREFIX_LENGTH = 28 - '-search-standby'.length;

/** The longest public domain name: `us-west-2.origin.<domainName>` must fit ACM's 64 characters. */
const MAX_DOMAIN_NAME_LENGTH = 64 - 'us-west-2.origin.'.length;

/** CloudFront reads certificates and WAF web ACLs from us-east-1 only. */
const EDGE_REGION = 'us-east-1';

type Check = (ok: boolean, key: string, value: unknown, allowed: string) => void;

function validateNetwork(network: NetworkConfig, key: string, check: Check): void {
  const cidr = parseCidr(network.vpcCidr);
  check(
    cidr !== undefined && cidr.prefix >= 16 && cidr.prefix <= 24 && isPrivateRange(String(network.vpcCidr)),
    `${key}.vpcCidr`,
    network.vpcCidr,
    'a private (RFC 1918) IPv4 network in CIDR notation with a prefix from /16 to /24, such as 10.10.0.0/16',
  );
  check(
    isIntegerBetween(network.natGateways, 1, AZ_COUNT),
    `${key}.natGateways`,
    network.natGateways,
    `an integer from 1 to ${AZ_COUNT} (at most one per AZ)`,
  );

  const masks = ['publicSubnetMask', 'privateSubnetMask', 'isolatedSubnetMask'] as const;
  for (const mask of masks) {
    check(
      isIntegerBetween(network[mask], 16, 28),
      `${key}.${mask}`,
      network[mask],
      'an integer prefix length from 16 to 28',
    );
  }
  if (cidr && masks.every((mask) => isIntegerBetween(network[mask], 16, 28))) {
    const needed = AZ_COUNT * masks.reduce((sum, mask) => sum + 2 ** (32 - network[mask]), 0);
    const available = 2 ** (32 - cidr.prefix);
    check(
      needed <= available,
      `${key}.vpcCidr`,
      network.vpcCidr,
      `a range of at least ${needed} addresses: ${AZ_COUNT} AZs times one subnet of each tier (the VPC has ${available})`,
    );
  }

  check(
    (LOG_RETENTION_DAYS as readonly number[]).includes(network.flowLogRetentionDays),
    `${key}.flowLogRetentionDays`,
    network.flowLogRetentionDays,
    `one of the CloudWatch Logs retention periods: ${LOG_RETENTION_DAYS.join(', ')}`,
  );

  const endpoints = Array.isArray(network.interfaceEndpoints) ? network.interfaceEndpoints : [];
  check(
    Array.isArray(network.interfaceEndpoints) && new Set(endpoints).size === endpoints.length,
    `${key}.interfaceEndpoints`,
    network.interfaceEndpoints,
    'a list of distinct AWS service short names',
  );
  for (const [i, name] of endpoints.entries()) {
    check(
      typeof name === 'string' && (INTERFACE_ENDPOINT_SERVICES as readonly string[]).includes(name),
      `${key}.interfaceEndpoints[${i}]`,
      name,
      `one of the interface endpoint services: ${INTERFACE_ENDPOINT_SERVICES.join(', ')}`,
    );
  }
}

/** Services whose interface endpoints a region may declare: those the tiers call, and their neighbours. */
const INTERFACE_ENDPOINT_SERVICES = [
  'autoscaling',
  'ec2',
  'ec2messages',
  'ecr.api',
  'ecr.dkr',
  'elasticloadbalancing',
  'events',
  'kafka',
  'kms',
  'lambda',
  'logs',
  'monitoring',
  'rds',
  'secretsmanager',
  'sns',
  'sqs',
  'ssm',
  'ssmmessages',
  'states',
  'sts',
] as const;

/** True for a CIDR inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16. */
function isPrivateRange(cidr: string): boolean {
  const [a, b] = cidr.split('.').map(Number);
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

function isIntegerBetween(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isDomainName(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    value.length <= 253 &&
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(value)
  );
}

interface Cidr {
  readonly base: number;
  readonly prefix: number;
}

function parseCidr(value: unknown): Cidr | undefined {
  const match =
    typeof value === 'string' ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value) : null;
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) return undefined;
  return { base, prefix };
}

function overlaps(a: Cidr, b: Cidr): boolean {
  const aEnd = a.base + 2 ** (32 - a.prefix);
  const bEnd = b.base + 2 ** (32 - b.prefix);
  return a.base < bEnd && b.base < aEnd;
}
