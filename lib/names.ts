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
}
