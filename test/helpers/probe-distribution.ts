import { App, SecretValue, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { edgeProfile, ORIGIN_VERIFY_HEADER } from '../../lib/config/edge';
import { EdgeDistribution, type EdgeDistributionProps } from '../../lib/edge-distribution';
import { CDK_JSON_CONTEXT } from './platform';

/**
 * A production distribution alone in a us-east-1 probe stack, with stand-ins for what the other stacks give
 * it, for tests of the EdgeDistribution construct's own props checks. `certificateRegion` sets where the
 * certificate claims to live; `props` replaces any of the defaults.
 */
export function probeDistribution(
  props: Partial<EdgeDistributionProps> = {},
  certificateRegion = 'us-east-1',
): EdgeDistribution {
  const stack = new Stack(new App({ context: CDK_JSON_CONTEXT }), 'Edge', {
    env: { account: '123456789012', region: 'us-east-1' },
  });
  const certificate = acm.Certificate.fromCertificateArn(
    stack,
    'Certificate',
    `arn:aws:acm:${certificateRegion}:123456789012:certificate/11111111-2222-3333-4444-555555555555`,
  );
  return new EdgeDistribution(stack, 'Distribution', {
    config: edgeProfile('production'),
    domainName: 'photos.example.com',
    certificate,
    webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/1',
    mediaBucket: { bucketName: 'media-a', region: 'us-east-1' },
    mediaReplicaBucket: { bucketName: 'media-b', region: 'us-west-2' },
    apiOriginDomainName: 'origin.photos.example.com',
    apiOriginHeader: { name: ORIGIN_VERIFY_HEADER, value: SecretValue.secretsManager('origin-verify') },
    accessLogDeliveryNames: { source: 'a', destination: 'b' },
    ...props,
  });
}
