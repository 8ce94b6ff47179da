import { App, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { edgeProfile } from '../lib/config/edge';
import { API_PATH_PATTERNS, MEDIA_FAILOVER_STATUS_CODES } from '../lib/edge-distribution';
import { FailoverSwitch } from '../lib/failover-switch';
import { HEALTH_CHECK_PATH } from '../lib/fleet';
import { PlatformNames } from '../lib/names';
import { OriginFailoverRecords } from '../lib/origin-failover';
import { MANAGED_RULE_GROUPS } from '../lib/web-acl';
import { CDK_JSON_CONTEXT, configProblemsFor, only, platformFor } from './helpers/platform';
import { probeDistribution } from './helpers/probe-distribution';

process.env.CDK_VALIDATION = 'false';

const PROFILES = ['production', 'development'] as const;

describe.each(PROFILES)('the edge of the %s profile', (profile) => {
  const build = platformFor(profile);
  const { config } = build;
  const names = new PlatformNames(config);
  const edge = build.template(build.platform.edge);
  const distribution = () => only(edge, 'AWS::CloudFront::Distribution').Properties.DistributionConfig;

  describe('WAF', () => {
    test('a CLOUDFRONT web ACL: the rate limit per client IP first, then the four managed rule groups', () => {
      const acl = only(edge, 'AWS::WAFv2::WebACL');

      expect(acl.Properties.Scope).toBe('CLOUDFRONT');
      expect(acl.Properties.DefaultAction).toEqual({ Allow: {} });
      expect(acl.Properties.Rules.map((r: { Name: string; Priority: number }) => [r.Priority, r.Name])).toEqual([
        [0, 'RateLimitPerClientIp'],
        [1, 'AWSManagedRulesAmazonIpReputationList'],
        [2, 'AWSManagedRulesCommonRuleSet'],
        [3, 'AWSManagedRulesKnownBadInputsRuleSet'],
        [4, 'AWSManagedRulesSQLiRuleSet'],
      ]);
      expect(acl.Properties.Rules[0]).toMatchObject({
        Action: { Block: {} },
        Statement: {
          RateBasedStatement: {
            Limit: config.edge.waf.rateLimitPerFiveMinutes,
            AggregateKeyType: 'IP',
            EvaluationWindowSec: 300,
          },
        },
      });
      for (const [i, name] of MANAGED_RULE_GROUPS.entries()) {
        expect(acl.Properties.Rules[i + 1]).toMatchObject({
          OverrideAction: { None: {} },
          Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: name } },
          VisibilityConfig: { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true },
        });
      }
    });

    test('the distribution is behind the web ACL', () => {
      const acl = only(edge, 'AWS::WAFv2::WebACL');

      expect(distribution().WebACLId).toEqual({ 'Fn::GetAtt': [acl.logicalId, 'Arn'] });
    });

    test('logs to a KMS-encrypted aws-waf-logs- log group with retention, Authorization redacted', () => {
      const acl = only(edge, 'AWS::WAFv2::WebACL');
      const group = only(edge, 'AWS::Logs::LogGroup');
      const key = only(edge, 'AWS::KMS::Key');
      const logging = only(edge, 'AWS::WAFv2::LoggingConfiguration');

      expect(group.Properties).toMatchObject({
        LogGroupName: `aws-waf-logs-${config.stackNamePrefix}-edge`,
        RetentionInDays: config.edge.waf.logRetentionDays,
        KmsKeyId: { 'Fn::GetAtt': [key.logicalId, 'Arn'] },
      });
      expect(logging.Properties.ResourceArn).toEqual({ 'Fn::GetAtt': [acl.logicalId, 'Arn'] });
      // Without the `:*` suffix of the log group's own Arn attribute, which WAF refuses.
      expect(logging.Properties.LogDestinationConfigs).toEqual([
        `arn:aws:logs:us-east-1:${config.account}:log-group:aws-waf-logs-${config.stackNamePrefix}-edge`,
      ]);
      expect(logging.Properties.RedactedFields).toEqual([{ SingleHeader: { Name: 'authorization' } }]);
      expect(logging.DependsOn).toContain(group.logicalId);
    });

    test('logs allowed requests only where the profile says so', () => {
      const logging = only(edge, 'AWS::WAFv2::LoggingConfiguration');

      if (config.edge.waf.logAllowedRequests) {
        expect(logging.Properties.LoggingFilter).toBeUndefined();
      } else {
        expect(logging.Properties.LoggingFilter).toEqual({
          DefaultBehavior: 'DROP',
          Filters: [
            {
              Behavior: 'KEEP',
              Requirement: 'MEETS_ANY',
              Conditions: ['BLOCK', 'COUNT', 'CAPTCHA', 'CHALLENGE', 'EXCLUDED_AS_COUNT'].map((Action) => ({
                ActionCondition: { Action },
              })),
            },
          ],
        });
      }
    });
  });

  describe('CloudFront', () => {
    test('answers the public name with the us-east-1 certificate, TLS 1.2_2021, HTTP/2 and HTTP/3, IPv6', () => {
      const certificate = only(edge, 'AWS::CertificateManager::Certificate');

      expect(certificate.Properties.DomainName).toBe(config.domainName);
      expect(distribution()).toMatchObject({
        Aliases: [config.domainName],
        ViewerCertificate: {
          AcmCertificateArn: { Ref: certificate.logicalId },
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        },
        HttpVersion: 'http2and3',
        IPV6Enabled: true,
        PriceClass: config.edge.priceClass,
      });
    });

    test('media: an origin group of the bucket and its replica through OAC, failing over on 403/404/5xx', () => {
      const oac = only(edge, 'AWS::CloudFront::OriginAccessControl');
      const dist = distribution();
      const origin = (id: string) => dist.Origins.find((o: { Id: string }) => o.Id === id);

      expect(oac.Properties.OriginAccessControlConfig).toMatchObject({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      });
      for (const [id, role] of [
        ['Media', 'primary'],
        ['MediaReplica', 'standby'],
      ] as const) {
        const { region } = config.regions[role];
        expect(origin(id)).toEqual({
          Id: id,
          DomainName: `${names.mediaBucketName(role)}.s3.${region}.amazonaws.com`,
          OriginAccessControlId: { 'Fn::GetAtt': [oac.logicalId, 'Id'] },
          S3OriginConfig: { OriginAccessIdentity: '' },
          ConnectionAttempts: 2,
          ConnectionTimeout: 5,
        });
      }
      expect(dist.OriginGroups.Items).toEqual([
        {
          Id: dist.DefaultCacheBehavior.TargetOriginId,
          FailoverCriteria: {
            StatusCodes: { Items: [...MEDIA_FAILOVER_STATUS_CODES], Quantity: MEDIA_FAILOVER_STATUS_CODES.length },
          },
          Members: { Items: [{ OriginId: 'Media' }, { OriginId: 'MediaReplica' }], Quantity: 2 },
        },
      ]);
      expect(dist.DefaultCacheBehavior).toMatchObject({
        AllowedMethods: ['GET', 'HEAD'],
        CachedMethods: ['GET', 'HEAD'],
        ViewerProtocolPolicy: 'redirect-to-https',
      });
    });

    test('media is cached long, keyed by the path alone', () => {
      const policyId = distribution().DefaultCacheBehavior.CachePolicyId.Ref;
      const policy = edge.toJSON().Resources[policyId].Properties.CachePolicyConfig;

      expect(policy).toMatchObject({
        MinTTL: 0,
        DefaultTTL: config.edge.mediaCache.defaultTtlSeconds,
        MaxTTL: config.edge.mediaCache.maxTtlSeconds,
        ParametersInCacheKeyAndForwardedToOrigin: {
          HeadersConfig: { HeaderBehavior: 'none' },
          QueryStringsConfig: { QueryStringBehavior: 'none' },
          CookiesConfig: { CookieBehavior: 'none' },
        },
      });
      expect(config.edge.mediaCache.defaultTtlSeconds).toBeGreaterThanOrEqual(86_400);
    });

    test('the API origin is the failover name, HTTPS only with TLS 1.2, with the origin-verify header', () => {
      const api = distribution().Origins.find((o: { Id: string }) => o.Id === 'Api');

      expect(api).toEqual({
        Id: 'Api',
        DomainName: names.originDomainName(),
        CustomOriginConfig: {
          OriginProtocolPolicy: 'https-only',
          OriginSSLProtocols: ['TLSv1.2'],
          OriginKeepaliveTimeout: 30,
          OriginReadTimeout: 30,
        },
        // test/origin-verify.test.ts holds the header's contract with the ALBs.
        OriginCustomHeaders: [
          {
            HeaderName: 'X-Origin-Verify',
            HeaderValue: `{{resolve:secretsmanager:${names.originVerifySecretName()}:SecretString:::}}`,
          },
        ],
      });
    });

    test.each(API_PATH_PATTERNS)('%s goes to the API uncached, with Authorization and the query string', (path) => {
      const behavior = distribution().CacheBehaviors.find((b: { PathPattern: string }) => b.PathPattern === path);
      const policy = edge.toJSON().Resources[behavior.CachePolicyId.Ref].Properties.CachePolicyConfig;

      expect(behavior).toMatchObject({
        TargetOriginId: 'Api',
        ViewerProtocolPolicy: 'https-only',
        AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
        // Managed AllViewerExceptHostHeader: the other viewer headers reach the service.
        OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
      });
      expect(policy).toMatchObject({
        MinTTL: 0,
        DefaultTTL: 0,
        MaxTTL: 1,
        ParametersInCacheKeyAndForwardedToOrigin: {
          HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Authorization'] },
          QueryStringsConfig: { QueryStringBehavior: 'all' },
          CookiesConfig: { CookieBehavior: 'none' },
        },
      });
    });

    test('every response carries the security headers', () => {
      const dist = distribution();
      const policy = only(edge, 'AWS::CloudFront::ResponseHeadersPolicy');
      const behaviors = [dist.DefaultCacheBehavior, ...dist.CacheBehaviors];

      expect(behaviors.map((b: { ResponseHeadersPolicyId: unknown }) => b.ResponseHeadersPolicyId)).toEqual(
        behaviors.map(() => ({ Ref: policy.logicalId })),
      );
      expect(policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig).toEqual({
        StrictTransportSecurity: { AccessControlMaxAgeSec: 63_072_000, IncludeSubdomains: true, Override: true },
        ContentTypeOptions: { Override: true },
        FrameOptions: { FrameOption: 'DENY', Override: true },
        ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
        XSSProtection: { Protection: false, Override: true },
        ContentSecurityPolicy: {
          ContentSecurityPolicy: "default-src 'none'; img-src 'self'; media-src 'self'; frame-ancestors 'none'",
          Override: true,
        },
      });
    });

    test('access logs: CloudWatch Logs delivers them to an S3 bucket without ACLs, kept for the configured days', () => {
      const dist = only(edge, 'AWS::CloudFront::Distribution');
      const bucket = only(edge, 'AWS::S3::Bucket');
      const source = only(edge, 'AWS::Logs::DeliverySource');
      const destination = only(edge, 'AWS::Logs::DeliveryDestination');
      const delivery = only(edge, 'AWS::Logs::Delivery');
      const policy = only(edge, 'AWS::S3::BucketPolicy', { Bucket: { Ref: bucket.logicalId } });
      const logNames = names.distributionAccessLogNames();

      expect(bucket.Properties).toMatchObject({
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: { Rules: [{ ExpirationInDays: config.edge.accessLogRetentionDays }] },
      });
      expect(source.Properties).toEqual({
        Name: logNames.source,
        LogType: 'ACCESS_LOGS',
        ResourceArn: {
          'Fn::Join': ['', [`arn:aws:cloudfront::${config.account}:distribution/`, { Ref: dist.logicalId }]],
        },
        Tags: expect.any(Array),
      });
      expect(destination.Properties).toMatchObject({
        Name: logNames.destination,
        DestinationResourceArn: { 'Fn::GetAtt': [bucket.logicalId, 'Arn'] },
        OutputFormat: 'json',
      });
      expect(delivery.Properties).toMatchObject({
        DeliverySourceName: logNames.source,
        DeliveryDestinationArn: { 'Fn::GetAtt': [destination.logicalId, 'Arn'] },
        S3EnableHiveCompatiblePath: true,
      });
      expect(delivery.DependsOn).toEqual(expect.arrayContaining([source.logicalId, policy.logicalId]));
      expect(policy.Properties.PolicyDocument.Statement).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Sid: 'AllowLogDeliveryWrite',
            Principal: { Service: 'delivery.logs.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: {
              StringEquals: { 'aws:SourceAccount': config.account, 's3:x-amz-acl': 'bucket-owner-full-control' },
              ArnLike: {
                'aws:SourceArn': `arn:aws:logs:us-east-1:${config.account}:delivery-source:*`,
              },
            },
          }),
        ]),
      );
    });

    test('the public name is an alias (A and AAAA) to the distribution', () => {
      const dist = only(edge, 'AWS::CloudFront::Distribution');
      for (const type of ['A', 'AAAA']) {
        edge.hasResourceProperties('AWS::Route53::RecordSet', {
          Name: `${config.domainName}.`,
          Type: type,
          HostedZoneId: config.hostedZoneId,
          AliasTarget: Match.objectLike({ DNSName: { 'Fn::GetAtt': [dist.logicalId, 'DomainName'] } }),
        });
      }
    });
  });

  describe('the origin failover pair', () => {
    const primary = build.template(build.platform.primary);
    const standby = build.template(build.platform.standby);
    const failover = config.edge.originFailover;

    test.each(['primary', 'standby'] as const)('the %s region aliases its own name to its own ALB', (role) => {
      const template = build.template(build.platform[role]);
      const [lbId] = Object.keys(template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'));

      template.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: `${names.regionalOriginDomainName(role)}.`,
        Type: 'A',
        AliasTarget: {
          DNSName: { 'Fn::Join': ['', ['dualstack.', { 'Fn::GetAtt': [lbId, 'DNSName'] }]] },
          HostedZoneId: { 'Fn::GetAtt': [lbId, 'CanonicalHostedZoneID'] },
        },
      });
    });

    test('PRIMARY in us-east-1 and SECONDARY in us-west-2, each to its regional name, TTL from config', () => {
      const record = (template: Template, role: 'PRIMARY' | 'SECONDARY') =>
        only(template, 'AWS::Route53::RecordSet', { Failover: role }).Properties;

      expect(record(primary, 'PRIMARY')).toMatchObject({
        Name: `${names.originDomainName()}.`,
        Type: 'CNAME',
        TTL: String(failover.recordTtlSeconds),
        ResourceRecords: [names.regionalOriginDomainName('primary')],
        SetIdentifier: 'primary-us-east-1',
        HealthCheckId: { Ref: expect.any(String) },
      });
      expect(record(standby, 'SECONDARY')).toEqual({
        Name: `${names.originDomainName()}.`,
        Type: 'CNAME',
        TTL: String(failover.recordTtlSeconds),
        ResourceRecords: [names.regionalOriginDomainName('standby')],
        SetIdentifier: 'standby-us-west-2',
        Failover: 'SECONDARY',
        HostedZoneId: config.hostedZoneId,
        Comment: 'API origin failover: SECONDARY',
      });
      expect(failover.recordTtlSeconds).toBeLessThanOrEqual(300);
      expect(
        Object.keys(edge.findResources('AWS::Route53::RecordSet', { Properties: { Failover: Match.anyValue() } })),
      ).toEqual([]);
    });

    test('the PRIMARY health check is healthy only while /health answers AND the failover switch is off', () => {
      const record = only(primary, 'AWS::Route53::RecordSet', { Failover: 'PRIMARY' });
      const checks = primary.toJSON().Resources;
      const calculated = checks[record.Properties.HealthCheckId.Ref].Properties;
      const [endpoint, switchCheck] = calculated.HealthCheckConfig.ChildHealthChecks.map(
        (child: { Ref: string }) => checks[child.Ref].Properties,
      );

      expect(calculated.HealthCheckConfig).toMatchObject({ Type: 'CALCULATED', HealthThreshold: 2, Inverted: false });
      expect(endpoint.HealthCheckConfig).toEqual({
        Type: 'HTTPS',
        FullyQualifiedDomainName: names.regionalOriginDomainName('primary'),
        Port: 443,
        ResourcePath: HEALTH_CHECK_PATH,
        EnableSNI: true,
        RequestInterval: failover.healthCheckIntervalSeconds,
        FailureThreshold: failover.healthCheckFailureThreshold,
        Inverted: false,
        MeasureLatency: false,
      });
      expect(switchCheck.HealthCheckConfig).toEqual({
        Type: 'CLOUDWATCH_METRIC',
        AlarmIdentifier: { Name: names.failoverSwitchAlarmName(), Region: 'us-west-2' },
        InsufficientDataHealthStatus: 'LastKnownStatus',
        Inverted: false,
      });
      expect(
        [calculated, endpoint, switchCheck].map(
          (check) => check.HealthCheckTags.find((t: { Key: string }) => t.Key === 'Name').Value,
        ),
      ).toEqual(['', '-endpoint', '-switch'].map((suffix) => `${names.primaryOriginHealthCheckName()}${suffix}`));
    });

    test('the failover switch alarm is in the standby foundation: OK at 0, ALARM at 1, latched while quiet', () => {
      const foundation = build.template(build.platform.standbyFoundation);
      const metric = names.failoverSwitchMetric();
      const alarm = only(foundation, 'AWS::CloudWatch::Alarm', { AlarmName: names.failoverSwitchAlarmName() });

      expect(metric).toEqual({
        region: 'us-west-2',
        namespace: `${config.stackNamePrefix}/failover`,
        metricName: 'ForcePrimaryUnhealthy',
        dimensions: { PrimaryRegion: 'us-east-1' },
        forceValue: 1,
        releaseValue: 0,
      });
      expect(alarm.Properties).toMatchObject({
        Namespace: metric.namespace,
        MetricName: metric.metricName,
        Dimensions: [{ Name: 'PrimaryRegion', Value: 'us-east-1' }],
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'ignore',
      });
      expect(alarm.Properties).not.toHaveProperty('Unit');
      expect(alarm.Properties).not.toHaveProperty('AlarmActions');
    });
  });
});

/** The parts of a template resource the certificate check reads. */
interface TemplateResource {
  readonly Type: string;
  readonly Properties?: {
    readonly DistributionConfig?: { readonly ViewerCertificate?: { readonly AcmCertificateArn?: unknown } };
  };
}

describe('every CloudFront certificate is in us-east-1', () => {
  /** The region of each distribution's certificate, found in the assembly wherever it is defined. */
  function certificateRegions(assembly: CloudAssembly): string[] {
    const regions: string[] = [];
    for (const artifact of assembly.stacks) {
      const resources: Record<string, TemplateResource> = artifact.template.Resources ?? {};
      for (const resource of Object.values(resources)) {
        if (resource.Type !== 'AWS::CloudFront::Distribution') continue;
        const arn = resource.Properties?.DistributionConfig?.ViewerCertificate?.AcmCertificateArn;
        const ref = (arn as { Ref?: string } | undefined)?.Ref;
        if (typeof arn === 'string') {
          regions.push(arn.split(':')[3]);
        } else if (ref && resources[ref]?.Type === 'AWS::CertificateManager::Certificate') {
          regions.push(artifact.environment.region);
        } else {
          regions.push(`unknown: ${JSON.stringify(arn)}`);
        }
      }
    }
    return regions;
  }

  test.each(PROFILES)('%s', (profile) => {
    const regions = certificateRegions(platformFor(profile).app.synth());

    expect(regions.length).toBeGreaterThan(0);
    expect(regions).toEqual(regions.map(() => 'us-east-1'));
  });

  test('a certificate from another region is refused at synth', () => {
    expect(() => probeDistribution({}, 'eu-west-1')).toThrow(
      'EdgeDistribution: certificate is in eu-west-1; allowed: a certificate in us-east-1, the only region CloudFront reads certificates from',
    );
  });
});

describe('construct props are checked at synth', () => {
  const stackIn = (region: string) =>
    new Stack(new App({ context: CDK_JSON_CONTEXT }), 'S', { env: { account: '123456789012', region } });

  test('the failover switch must live where the runbook writes its metric', () => {
    const names = new PlatformNames(platformFor('production').config);

    expect(
      () =>
        new FailoverSwitch(stackIn('us-east-1'), 'Switch', {
          alarmName: names.failoverSwitchAlarmName(),
          metric: names.failoverSwitchMetric(),
        }),
    ).toThrow('FailoverSwitch: metric.region is "us-west-2"; allowed: this stack\'s region (us-east-1)');
  });

  describe('OriginFailoverRecords', () => {
    const setup = () => {
      const stack = stackIn('us-east-1');
      const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
      return {
        stack,
        props: {
          hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', {
            hostedZoneId: 'Z123',
            zoneName: 'photos.example.com',
          }),
          loadBalancer: new elbv2.ApplicationLoadBalancer(stack, 'Lb', { vpc }),
          regionalDomainName: 'us-east-1.origin.photos.example.com',
          failoverDomainName: 'origin.photos.example.com',
          setIdentifier: 'primary',
          config: edgeProfile('production').originFailover,
        },
      };
    };
    const healthCheck = {
      path: '/health',
      switchAlarm: { name: 'switch', region: 'us-west-2' },
      name: 'primary-origin',
    };

    test.each([
      [{ role: 'primary' }, 'OriginFailoverRecords: healthCheck is required for the primary role'],
      [{ role: 'standby', healthCheck }, 'OriginFailoverRecords: healthCheck is set for the standby role'],
      [
        { role: 'primary', healthCheck, failoverDomainName: 'origin.other.example.org' },
        'OriginFailoverRecords: failoverDomainName is "origin.other.example.org"; allowed: a name inside the hosted zone photos.example.com',
      ],
      [
        {
          role: 'primary',
          healthCheck,
          config: { ...edgeProfile('production').originFailover, recordTtlSeconds: 600 },
        },
        'OriginFailoverRecords: config.recordTtlSeconds is 600; allowed: an integer from 1 to 300',
      ],
      [
        { role: 'primary', healthCheck: { ...healthCheck, path: 'health' } },
        'OriginFailoverRecords: healthCheck.path is "health"; allowed: a path starting with /',
      ],
    ])('%j is refused', (override, message) => {
      const { stack, props } = setup();

      expect(() => new OriginFailoverRecords(stack, 'Records', { ...props, ...(override as object) } as never)).toThrow(
        message,
      );
    });
  });
});

describe('bad edge settings fail synth with the key, the value and what is allowed', () => {
  const problemsFor = (edge: Record<string, unknown>) => configProblemsFor({ edge });

  test.each([
    [
      { originFailover: { recordTtlSeconds: 301 } },
      'edge.originFailover.recordTtlSeconds',
      301,
      "an integer from 1 to 300 seconds (the seed's 5-minute TTL is the upper bound)",
    ],
    [
      { originFailover: { recordTtlSeconds: 0 } },
      'edge.originFailover.recordTtlSeconds',
      0,
      "an integer from 1 to 300 seconds (the seed's 5-minute TTL is the upper bound)",
    ],
    [
      { originFailover: { healthCheckIntervalSeconds: 20 } },
      'edge.originFailover.healthCheckIntervalSeconds',
      20,
      '10 or 30 (the intervals Route 53 offers)',
    ],
    [
      { originFailover: { healthCheckFailureThreshold: 11 } },
      'edge.originFailover.healthCheckFailureThreshold',
      11,
      'an integer from 1 to 10',
    ],
    [
      { waf: { rateLimitPerFiveMinutes: 50 } },
      'edge.waf.rateLimitPerFiveMinutes',
      50,
      'an integer from 100 to 2000000000 requests',
    ],
    [
      { waf: { logRetentionDays: 45 } },
      'edge.waf.logRetentionDays',
      45,
      expect.stringMatching(/^one of the CloudWatch Logs retention periods: 1, 3, 5, 7, 14, 30, 60/),
    ],
    [
      { priceClass: 'PriceClass_50' },
      'edge.priceClass',
      'PriceClass_50',
      'one of PriceClass_100, PriceClass_200, PriceClass_All',
    ],
    [
      { mediaCache: { defaultTtlSeconds: 400 * 86_400 } },
      'edge.mediaCache.defaultTtlSeconds',
      400 * 86_400,
      'an integer from 0 seconds to mediaCache.maxTtlSeconds (31536000)',
    ],
  ])('%j', (edge, key, value, allowed) => {
    expect(problemsFor(edge)).toEqual([{ key, value, allowed }]);
  });
});
