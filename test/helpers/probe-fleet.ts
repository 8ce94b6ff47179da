import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { edgeProfile } from '../../lib/config/edge';
import { fleetProfile } from '../../lib/config/fleet';
import { Fleet, type FleetProps } from '../../lib/fleet';
import { originVerification } from '../../lib/origin-verify';

/**
 * A development fleet alone in a probe stack, with stand-ins for what the other tiers give it, for tests of
 * the Fleet construct's own props checks. `props` replaces any of the defaults.
 */
export function probeFleet(props: Partial<FleetProps> = {}): Fleet {
  const stack = new Stack(new App(), 'Probe', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc');
  return new Fleet(stack, 'Fleet', {
    config: fleetProfile('development', 'primary'),
    vpc,
    securityGroup: new ec2.SecurityGroup(stack, 'Sg', { vpc }),
    hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z1', zoneName: 'x.io' }),
    certificateDomainName: 'us-east-1.origin.x.io',
    serviceBundle: new s3assets.Asset(stack, 'Bundle', { path: __filename }),
    jwtSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Jwt', 'jwt'),
    writeSwitchParameter: ssm.StringParameter.fromStringParameterName(stack, 'Switch', '/x/switch'),
    logsKey: new kms.Key(stack, 'Key'),
    metricsNamespace: 'x/fleet',
    originVerification: originVerification(edgeProfile('development').originVerify, 'x/origin-verify'),
    ...props,
  });
}
