import { type CfnResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { NetworkConfig } from './config/types';

/** Properties of {@link Network}. */
export interface NetworkProps {
  /** Sizes and endpoints of the VPC. */
  readonly config: NetworkConfig;

  /** The three Availability Zones the subnets are placed in, pinned in `cdk.json`. */
  readonly availabilityZones: readonly string[];

  /** Key that encrypts the flow log group. */
  readonly logsKey: kms.IKey;
}

/**
 * The VPC of one region: public, private-with-egress and isolated subnets in each of three AZs,
 * NAT gateways, gateway endpoints for S3 and DynamoDB, interface endpoints in the private
 * subnets, flow logs to an encrypted log group, and a default security group without rules.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;

  /** Log group that receives the VPC flow logs. */
  readonly flowLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { config } = props;

    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: config.flowLogRetentionDays as logs.RetentionDays,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(config.vpcCidr),
      availabilityZones: [...props.availabilityZones],
      natGateways: config.natGateways,
      subnetConfiguration: [
        {
          name: 'Public',
          subnetType: ec2.SubnetType.PUBLIC,
          cidrMask: config.publicSubnetMask,
          mapPublicIpOnLaunch: false,
        },
        { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: config.privateSubnetMask },
        { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: config.isolatedSubnetMask },
      ],
      restrictDefaultSecurityGroup: true,
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
      flowLogs: {
        All: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
          trafficType: ec2.FlowLogTrafficType.ALL,
          maxAggregationInterval: ec2.FlowLogMaxAggregationInterval.ONE_MINUTE,
        },
      },
    });

    this.encryptDefaultSecurityGroupHandlerLogs(props);

    // The endpoint's construct id is the AWS service name: a stable identifier, not a size, so
    // adding or removing one endpoint never renames the others.
    const endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'HTTPS from inside the VPC to the interface endpoints',
      allowAllOutbound: false,
    });
    // The literal CIDR (not the VPC's CidrBlock attribute) keeps the rule readable to cdk-nag.
    endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(config.vpcCidr), ec2.Port.tcp(443), 'HTTPS from the VPC');

    for (const service of config.interfaceEndpoints) {
      this.vpc.addInterfaceEndpoint(endpointId(service), {
        service: new ec2.InterfaceVpcEndpointAwsService(service),
        subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        privateDnsEnabled: true,
        securityGroups: [endpointSecurityGroup],
        open: false,
      });
    }
  }

  /**
   * The function CDK deploys to strip the default security group's rules would log to a group it
   * creates on first run, unencrypted and never expiring; this gives it an encrypted one with the
   * flow logs' retention. The provider is CDK's own (one per stack), reached by its construct id.
   */
  private encryptDefaultSecurityGroupHandlerLogs(props: NetworkProps): void {
    const provider = Stack.of(this).node.tryFindChild(RESTRICT_DEFAULT_SG_PROVIDER);
    const handler = provider?.node.tryFindChild('Handler') as CfnResource | undefined;
    if (!handler) {
      throw new Error(
        `Network: ${RESTRICT_DEFAULT_SG_PROVIDER}/Handler not found; allowed: the provider restrictDefaultSecurityGroup ` +
          'creates (has aws-cdk-lib renamed it?)',
      );
    }
    const logGroup = new logs.LogGroup(this, 'RestrictDefaultSecurityGroupLogs', {
      retention: props.config.flowLogRetentionDays as logs.RetentionDays,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    handler.addPropertyOverride('LoggingConfig', { LogGroup: logGroup.logGroupName });
  }
}

/** Construct id CDK gives the stack-wide provider behind `restrictDefaultSecurityGroup`. */
const RESTRICT_DEFAULT_SG_PROVIDER = 'Custom::VpcRestrictDefaultSGCustomResourceProvider';

function endpointId(service: string): string {
  const pascal = service
    .split(/[.-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  return `${pascal}Endpoint`;
}
