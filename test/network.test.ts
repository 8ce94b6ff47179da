import { Match } from 'aws-cdk-lib/assertions';
import type { RegionalStack } from '../lib/stacks/regional-stack';
import { platformFor } from './helpers/platform';

process.env.CDK_VALIDATION = 'false';

const cases = (['production', 'development'] as const).flatMap((profile) =>
  (['primary', 'standby'] as const).map((role) => [profile, role] as const),
);

describe.each(cases)('network of the %s %s region', (profile, role) => {
  const build = platformFor(profile);
  const stack: RegionalStack = build.platform[role];
  const template = build.template(stack);
  const network = build.config[role].network;
  const expectedAzs = build.config.regions[role].availabilityZones;

  test('the VPC has the configured CIDR', () => {
    template.resourcePropertiesCountIs('AWS::EC2::VPC', { CidrBlock: network.vpcCidr }, 1);
  });

  test('subnets span exactly three distinct, real AZs of the region, one subnet of each tier per AZ', () => {
    const subnets = Object.values(template.findResources('AWS::EC2::Subnet'));
    const azs = subnets.map((subnet) => subnet.Properties.AvailabilityZone);

    expect(subnets).toHaveLength(9);
    expect(new Set(azs)).toEqual(new Set(expectedAzs));
    expect(expectedAzs).toHaveLength(3);
    for (const az of azs) expect(az).toMatch(new RegExp(`^${stack.region}[a-f]$`));

    const tiers = subnets.map(
      (subnet) => subnet.Properties.Tags.find((tag: { Key: string }) => tag.Key === 'aws-cdk:subnet-name').Value,
    );
    for (const tier of ['Public', 'Private', 'Isolated']) {
      const tierAzs = subnets.filter((_, i) => tiers[i] === tier).map((s) => s.Properties.AvailabilityZone);
      expect(new Set(tierAzs)).toEqual(new Set(expectedAzs));
    }
  });

  test('public subnets do not hand out public IPs; masks follow the config', () => {
    const subnets = Object.values(template.findResources('AWS::EC2::Subnet'));
    const masks = subnets.map((s) => Number(String(s.Properties.CidrBlock).split('/')[1])).sort();
    const expected = [network.publicSubnetMask, network.privateSubnetMask, network.isolatedSubnetMask]
      .flatMap((mask) => [mask, mask, mask])
      .sort();

    expect(masks).toEqual(expected);
    for (const subnet of subnets) expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
  });

  test('NAT gateways match the profile', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', network.natGateways);
  });

  test('gateway endpoints for S3 and DynamoDB', () => {
    for (const service of ['s3', 'dynamodb']) {
      template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        VpcEndpointType: 'Gateway',
        ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, `.${service}`]] },
      });
    }
  });

  test('interface endpoints with private DNS in the private subnets, HTTPS from the VPC only', () => {
    const endpoints = template.findResources('AWS::EC2::VPCEndpoint', { Properties: { VpcEndpointType: 'Interface' } });
    const names = Object.values(endpoints).map((e) => JSON.stringify(e.Properties.ServiceName));

    expect(names).toHaveLength(network.interfaceEndpoints.length);
    for (const service of network.interfaceEndpoints) {
      expect(names.some((name) => name.includes(`.${service}"`))).toBe(true);
    }
    for (const endpoint of Object.values(endpoints)) {
      expect(endpoint.Properties.PrivateDnsEnabled).toBe(true);
      expect(endpoint.Properties.SubnetIds).toHaveLength(3);
    }
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: [{ CidrIp: network.vpcCidr, FromPort: 443, ToPort: 443, IpProtocol: 'tcp' }],
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '255.255.255.255/32' })],
    });
  });

  test('flow logs capture all traffic into an encrypted log group with the configured retention', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
      MaxAggregationInterval: 60,
    });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: network.flowLogRetentionDays, KmsKeyId: Match.anyValue() },
      DeletionPolicy: 'Retain',
    });
  });

  test('the default security group is stripped of its rules', () => {
    template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  test('the logs key rotates and lets only this region and account use it for log groups', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: `logs.${stack.region}.amazonaws.com` },
            Condition: {
              ArnLike: {
                'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${stack.region}:${build.config.account}:log-group:*`,
              },
            },
          }),
        ]),
      },
    });
  });
});
