import { ConfigError } from './errors';
import { PROFILE_NAMES, PROFILES } from './profiles';
import type { PlatformConfig, ProfileName, RegionPlacement } from './types';
import { validateConfig } from './validate';

/**
 * Placeholders that let `cdk synth` run offline out of the box. Deploying needs real values:
 * `-c account=… -c domainName=… -c hostedZoneId=…` (see the README).
 */
export const PLACEHOLDERS = {
  account: '123456789012',
  domainName: 'photos.example.com',
  hostedZoneId: 'Z0PLACEHOLDER0000000',
} as const;

/** Context key in `cdk.json` that pins the Availability Zones of each region. */
export const AZ_CONTEXT_KEY = 'photo-platform:availabilityZones';

/** Reads one CDK context value; `lib/app.ts` passes `app.node.tryGetContext`. */
export type ContextReader = (key: string) => unknown;

/**
 * Builds the validated config from CDK context:
 *
 * - `profile`: `production` (default) or `development`;
 * - `account`, `domainName`, `hostedZoneId`: see `PLACEHOLDERS` for the defaults;
 * - `hostedZoneName`: the zone's name when it is a parent of `domainName` (default: `domainName`);
 * - `photo-platform:availabilityZones`: `{ "us-east-1": [3 names], "us-west-2": [3 names] }`;
 * - `servingRegion`: `primary` (default) or `standby`, the region serving traffic after a failover
 *   (see `PlatformConfig.servingRegion`);
 * - `overrides`: an object (or its JSON text) deep-merged over the profile, for one-off changes
 *   such as `-c overrides='{"primary":{"network":{"natGateways":2}}}'`. Unknown keys are errors.
 *
 * Throws `ConfigError` naming every bad key, the value received and what is allowed.
 */
export function loadConfig(readContext: ContextReader): PlatformConfig {
  const profile = readContext('profile') ?? 'production';
  if (typeof profile !== 'string' || !(PROFILE_NAMES as string[]).includes(profile)) {
    throw new ConfigError([{ key: 'profile', value: profile, allowed: `one of ${PROFILE_NAMES.join(', ')}` }]);
  }
  const settings = PROFILES[profile as ProfileName];
  const servingRegion = readContext('servingRegion') ?? 'primary';
  if (servingRegion !== 'primary' && servingRegion !== 'standby') {
    throw new ConfigError([
      {
        key: 'servingRegion',
        value: servingRegion,
        allowed: 'primary (normal operation) or standby (after a failover, until failback)',
      },
    ]);
  }
  const azs = readAvailabilityZones(readContext(AZ_CONTEXT_KEY));

  const base: PlatformConfig = {
    profile: profile as ProfileName,
    account: String(readContext('account') ?? PLACEHOLDERS.account),
    domainName: String(readContext('domainName') ?? PLACEHOLDERS.domainName),
    hostedZoneId: String(readContext('hostedZoneId') ?? PLACEHOLDERS.hostedZoneId),
    hostedZoneName: String(readContext('hostedZoneName') ?? readContext('domainName') ?? PLACEHOLDERS.domainName),
    regions: {
      primary: placement('us-east-1', azs),
      standby: placement('us-west-2', azs),
    },
    servingRegion,
    ...settings,
  };

  const overrides = parseOverrides(readContext('overrides'));
  const merged = overrides === undefined ? base : (deepMerge(base, overrides, '') as PlatformConfig);
  return validateConfig(merged.servingRegion === 'standby' ? afterFailover(merged) : merged);
}

/**
 * The config of a deployment whose standby serves traffic: the standby fleet keeps the capacity
 * the failover runbook gave it (the primary's bounds), so that a redeploy of us-west-2 during
 * the outage does not shrink it back to the warm floor. Nothing stateful changes.
 */
export function afterFailover(config: PlatformConfig): PlatformConfig {
  const { primary, standby } = config;
  return {
    ...config,
    standby: {
      ...standby,
      fleet: {
        ...standby.fleet,
        minCapacity: Math.max(standby.fleet.minCapacity, primary.fleet.minCapacity),
        maxCapacity: Math.max(standby.fleet.maxCapacity, primary.fleet.maxCapacity),
      },
    },
  };
}

function placement(region: string, azs: Record<string, unknown>): RegionPlacement {
  return { region, availabilityZones: (azs[region] ?? []) as string[] };
}

function readAvailabilityZones(value: unknown): Record<string, unknown> {
  if (isPlainObject(value)) return value;
  throw new ConfigError([
    {
      key: AZ_CONTEXT_KEY,
      value,
      allowed: 'an object in cdk.json context mapping each region to its three Availability Zone names',
    },
  ]);
}

function parseOverrides(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = value;
    }
  }
  if (!isPlainObject(parsed)) {
    throw new ConfigError([{ key: 'overrides', value, allowed: 'a JSON object shaped like part of the profile' }]);
  }
  return parsed;
}

/** Keys with a context key of their own (or derived from one), which `overrides` may not change. */
const NOT_OVERRIDABLE = ['profile', 'account', 'domainName', 'hostedZoneId', 'hostedZoneName', 'servingRegion'];

function deepMerge(target: unknown, patch: Record<string, unknown>, path: string): unknown {
  if (!isPlainObject(target)) return patch;
  const merged: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    const keyPath = path ? `${path}.${key}` : key;
    if (!Object.hasOwn(target, key)) {
      throw new ConfigError([
        { key: `overrides.${keyPath}`, value, allowed: `one of the existing keys: ${Object.keys(target).join(', ')}` },
      ]);
    }
    if (!path && NOT_OVERRIDABLE.includes(key)) {
      throw new ConfigError([
        { key: `overrides.${keyPath}`, value, allowed: `nothing here: set it with -c ${key}=... instead` },
      ]);
    }
    if (isPlainObject(target[key]) && !isPlainObject(value)) {
      throw new ConfigError([
        {
          key: `overrides.${keyPath}`,
          value,
          allowed: `an object with some of the keys ${Object.keys(target[key] as object).join(', ')}`,
        },
      ]);
    }
    merged[key] = isPlainObject(value) && isPlainObject(target[key]) ? deepMerge(target[key], value, keyPath) : value;
  }
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
