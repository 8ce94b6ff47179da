import { Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';
import type { PlatformConfig, RegionRole } from '../config/types';
import { LogsKey } from '../logs-key';
import { PlatformNames } from '../names';
import { Network } from '../network';

/** Properties of {@link RegionalStack}. */
export interface RegionalStackProps extends StackProps {
  readonly config: PlatformConfig;

  /** `primary` serves all traffic; `standby` is the warm, scaled-down copy. */
  readonly role: RegionRole;
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
  }
}
