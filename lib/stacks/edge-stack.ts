import { Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../config/types';

/** Properties of {@link EdgeStack}. */
export interface EdgeStackProps extends StackProps {
  readonly config: PlatformConfig;
}

/**
 * The global front door, in us-east-1 because CloudFront reads its certificate and its WAF web
 * ACL only from there: the public certificate, and (as later tiers arrive) the distribution, the
 * web ACL and the Route 53 records and health checks.
 */
export class EdgeStack extends Stack {
  readonly hostedZone: route53.IHostedZone;
  readonly certificate: acm.Certificate;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.hostedZone = route53.HostedZone.fromHostedZoneAttributes(this, 'HostedZone', {
      hostedZoneId: config.hostedZoneId,
      zoneName: config.hostedZoneName,
    });

    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: config.domainName,
      validation: acm.CertificateValidation.fromDns(this.hostedZone),
    });
  }
}
