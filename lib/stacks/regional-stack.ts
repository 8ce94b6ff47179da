import { Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import type { PlatformConfig, RegionRole } from '../config/types';
import { Fleet } from '../fleet';
import { LogsKey } from '../logs-key';
import { PlatformNames } from '../names';
import { Network } from '../network';
import { ServiceBundle } from '../service-bundle';
import { ServiceSettings } from '../service-settings';

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

  /** The JWT signing key and the write switch the service reads. */
  readonly serviceSettings: ServiceSettings;

  /** The bundled service the fleet runs. */
  readonly serviceBundle: ServiceBundle;

  /** The ALB and Auto Scaling group of the service. */
  readonly fleet: Fleet;

  /** The fleet's internet-facing ALB: the origin the edge's Route 53 failover records point at. */
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;

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

    this.serviceSettings = new ServiceSettings(this, 'ServiceSettings', {
      role,
      jwtSecretName: names.jwtSecretName(),
      standbyRegion: config.regions.standby.region,
      writeSwitchParameterName: names.writeSwitchParameterName(),
    });
    this.serviceBundle = new ServiceBundle(this, 'ServiceBundle');
    this.fleet = new Fleet(this, 'Fleet', {
      config: config[role].fleet,
      vpc: this.network.vpc,
      securityGroup: this.fleetSecurityGroup,
      hostedZone: route53.HostedZone.fromHostedZoneAttributes(this, 'HostedZone', {
        hostedZoneId: config.hostedZoneId,
        zoneName: config.hostedZoneName,
      }),
      certificateDomainName: names.regionalOriginDomainName(role),
      certificateAlternativeNames: [names.originDomainName()],
      serviceBundle: this.serviceBundle.asset,
      // The data tiers (issue 5) add DB_*, REDIS_*, MEDIA_BUCKET, OPENSEARCH_ENDPOINT and
      // KAFKA_BROKERS here, and their secrets to readableSecrets.
      serviceEnvironment: {},
      jwtSecret: this.serviceSettings.jwtSecret,
      writeSwitchParameter: this.serviceSettings.writeSwitch,
      logsKey: this.logsKey.key,
      metricsNamespace: `${config.stackNamePrefix}/fleet`,
    });
    this.loadBalancer = this.fleet.loadBalancer;
  }
}
