import { Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import type { Construct } from 'constructs';
import type { PlatformConfig } from '../config/types';
import { EdgeDistribution } from '../edge-distribution';
import { EdgeMonitoring } from '../edge-monitoring';
import { LogsKey } from '../logs-key';
import { PlatformNames } from '../names';
import { originVerification } from '../origin-verify';
import { WebAcl } from '../web-acl';

/** Properties of {@link EdgeStack}. */
export interface EdgeStackProps extends StackProps {
  readonly config: PlatformConfig;
}

/**
 * The global front door, in us-east-1 because CloudFront reads its certificate and its WAF web
 * ACL only from there: the public certificate, the web ACL, the distribution in front of the media
 * buckets and the API, and the public alias records.
 *
 * The origin failover pair and its health checks are not here: each regional stack writes its own
 * record (and the primary its health checks), so that nothing here refers to either region's ALB.
 * The media buckets are known by name; their policies for CloudFront live with them.
 */
export class EdgeStack extends Stack {
  readonly hostedZone: route53.IHostedZone;
  readonly certificate: acm.Certificate;
  readonly logsKey: LogsKey;
  readonly webAcl: WebAcl;
  readonly distribution: EdgeDistribution;

  /** WAF blocked-requests alarm and the global dashboard over both regions. */
  readonly monitoring: EdgeMonitoring;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    const { config } = props;
    const names = new PlatformNames(config);

    this.hostedZone = route53.HostedZone.fromHostedZoneAttributes(this, 'HostedZone', {
      hostedZoneId: config.hostedZoneId,
      zoneName: config.hostedZoneName,
    });

    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: config.domainName,
      validation: acm.CertificateValidation.fromDns(this.hostedZone),
    });

    this.logsKey = new LogsKey(this, 'LogsKey', { aliasName: names.edgeLogsKeyAlias() });
    this.webAcl = new WebAcl(this, 'WebAcl', {
      config: config.edge.waf,
      metricPrefix: `${config.stackNamePrefix}-edge`,
      logGroupName: names.webAclLogGroupName(),
      logsKey: this.logsKey.key,
    });

    this.distribution = new EdgeDistribution(this, 'Distribution', {
      config: config.edge,
      domainName: config.domainName,
      certificate: this.certificate,
      webAclArn: this.webAcl.webAcl.attrArn,
      mediaBucket: { bucketName: names.mediaBucketName('primary'), region: config.regions.primary.region },
      mediaReplicaBucket: { bucketName: names.mediaBucketName('standby'), region: config.regions.standby.region },
      apiOriginDomainName: names.originDomainName(),
      // The primary stack's secret, by name in us-east-1; the primary deploys before this stack.
      apiOriginHeader: {
        name: config.edge.originVerify.headerName,
        value: originVerification(config.edge.originVerify, names.originVerifySecretName()).sentValue,
      },
      accessLogDeliveryNames: names.distributionAccessLogNames(),
    });

    const target = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(this.distribution.distribution));
    new route53.ARecord(this, 'AliasRecord', { zone: this.hostedZone, recordName: config.domainName, target });
    new route53.AaaaRecord(this, 'AliasRecordIpv6', { zone: this.hostedZone, recordName: config.domainName, target });

    this.monitoring = new EdgeMonitoring(this, 'Monitoring', {
      config,
      waf: config.edge.waf,
      webAclMetricName: `${config.stackNamePrefix}-edge-web-acl`,
    });
  }
}
