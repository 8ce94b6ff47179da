import { developmentData, productionData } from './data';
import { edgeProfile } from './edge';
import { fleetProfile } from './fleet';
import { mediaProfile } from './media';
import { monitoringProfile } from './monitoring';
import type { PlatformConfig, ProfileName, RegionalConfig, RegionRole } from './types';

/**
 * The parts of a config that a profile decides. Account, domain, hosted zone and the pinned
 * Availability Zones come from context (see `load.ts`).
 */
export type ProfileSettings = Omit<
  PlatformConfig,
  'profile' | 'account' | 'domainName' | 'hostedZoneId' | 'hostedZoneName' | 'regions' | 'servingRegion'
>;

/** Interface endpoints the fleet, the runbook and the monitoring agents reach AWS through. */
const INTERFACE_ENDPOINTS = [
  'ssm',
  'ssmmessages',
  'ec2messages',
  'secretsmanager',
  'kms',
  'logs',
  'monitoring',
  'sts',
] as const;

function productionRegion(vpcCidr: string, role: RegionRole): RegionalConfig {
  return {
    fleet: fleetProfile('production', role),
    network: {
      vpcCidr,
      natGateways: 3,
      publicSubnetMask: 24,
      privateSubnetMask: 20,
      isolatedSubnetMask: 24,
      flowLogRetentionDays: 365,
      interfaceEndpoints: INTERFACE_ENDPOINTS,
    },
    data: productionData(role),
    monitoring: monitoringProfile('production', role),
  };
}

function developmentRegion(vpcCidr: string, role: RegionRole): RegionalConfig {
  return {
    fleet: fleetProfile('development', role),
    network: {
      vpcCidr,
      natGateways: 1,
      publicSubnetMask: 24,
      privateSubnetMask: 22,
      isolatedSubnetMask: 24,
      flowLogRetentionDays: 30,
      interfaceEndpoints: INTERFACE_ENDPOINTS,
    },
    data: developmentData(role),
    monitoring: monitoringProfile('development', role),
  };
}

/**
 * `production` carries the numbers of the design document (`../shared/seed`); `development` is
 * the same topology at the smallest sizes that still exercise every tier, for development and
 * staging accounts.
 */
export const PROFILES: Readonly<Record<ProfileName, ProfileSettings>> = {
  production: {
    stackNamePrefix: 'photo-prod',
    primary: productionRegion('10.10.0.0/16', 'primary'),
    standby: productionRegion('10.20.0.0/16', 'standby'),
    media: mediaProfile('production'),
    edge: edgeProfile('production'),
  },
  development: {
    stackNamePrefix: 'photo-dev',
    primary: developmentRegion('10.110.0.0/16', 'primary'),
    standby: developmentRegion('10.120.0.0/16', 'standby'),
    media: mediaProfile('development'),
    edge: edgeProfile('development'),
  },
};

export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];
