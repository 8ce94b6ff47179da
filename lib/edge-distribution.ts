import { Annotations, Arn, ArnFormat, Duration, RemovalPolicy, type SecretValue, Stack, Token } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { EdgeConfig } from './config/edge';
import { isSecretsManagerReference } from './origin-verify';

/** Paths CloudFront sends to the API origin; everything else is media. */
export const API_PATH_PATTERNS = ['/api/*', '/health'] as const;

/**
 * Status codes of the media bucket that send a read to the replica: server errors (the region is
 * failing) and 403/404, which a private bucket answers for a key it lacks, such as an upload the
 * standby took after a failover.
 */
export const MEDIA_FAILOVER_STATUS_CODES = [403, 404, 500, 502, 503, 504] as const;

/** A media bucket known by name, in its region. */
export interface MediaOriginBucket {
  readonly bucketName: string;
  readonly region: string;
}

/** Properties of {@link EdgeDistribution}. */
export interface EdgeDistributionProps {
  /** Price class, media TTLs and access-log retention. */
  readonly config: EdgeConfig;

  /** The public name the distribution answers, such as `photos.example.com`. */
  readonly domainName: string;

  /** The ACM certificate of `domainName`; CloudFront reads certificates only from us-east-1. */
  readonly certificate: acm.ICertificate;

  /** ARN of the WAF web ACL (scope CLOUDFRONT). */
  readonly webAclArn: string;

  /** The media bucket: the primary origin of media reads. */
  readonly mediaBucket: MediaOriginBucket;

  /** Its cross-region replica: the secondary of the media origin group. */
  readonly mediaReplicaBucket: MediaOriginBucket;

  /** The API origin: the Route 53 failover name both regions' ALB certificates cover. */
  readonly apiOriginDomainName: string;

  /**
   * The secret header CloudFront adds to every request to the API origin, which the ALBs require
   * (`originVerification` in `lib/origin-verify.ts`). The value must be a Secrets Manager dynamic
   * reference.
   */
  readonly apiOriginHeader: { readonly name: string; readonly value: SecretValue };

  /** Names of the CloudWatch Logs delivery source and destination of the access logs. */
  readonly accessLogDeliveryNames: { readonly source: string; readonly destination: string };
}

/**
 * The one CloudFront distribution of the service:
 *
 * - media (the default behaviour): an origin group of the media bucket and its replica, both
 *   through Origin Access Control, GET and HEAD only, cached long (keys are immutable);
 * - `/api/*` and `/health`: the API origin over HTTPS only (TLS 1.2), not cached, with the
 *   `Authorization` header and the query string forwarded, and the origin-verify header added (it
 *   replaces a viewer's header of the same name);
 * - HTTP/2 and HTTP/3, TLS 1.2_2021 or newer for viewers, security response headers, the WAF web
 *   ACL, and access logs delivered by CloudWatch Logs (standard logging v2) to an S3 bucket.
 *
 * The buckets belong to the regional stacks, which hold the bucket and key policy statements for
 * CloudFront (see `MediaStorage`); here they are known by name only.
 */
export class EdgeDistribution extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly mediaCachePolicy: cloudfront.CachePolicy;
  readonly apiCachePolicy: cloudfront.CachePolicy;
  readonly responseHeadersPolicy: cloudfront.ResponseHeadersPolicy;
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: EdgeDistributionProps) {
    super(scope, id);
    validateProps(this, props);
    const { config } = props;

    this.mediaCachePolicy = new cloudfront.CachePolicy(this, 'MediaCachePolicy', {
      comment: 'Media: immutable keys, cached long; no headers, cookies or query strings in the key',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(config.mediaCache.defaultTtlSeconds),
      maxTtl: Duration.seconds(config.mediaCache.maxTtlSeconds),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
    });
    // CloudFront forwards Authorization only as part of the cache key, and rejects a key with headers
    // when every TTL is 0 (https://github.com/aws/aws-cdk/issues/16977). So: nothing cached unless
    // the API says so (default 0), and never longer than 1 s, keyed by the caller's token.
    this.apiCachePolicy = new cloudfront.CachePolicy(this, 'ApiCachePolicy', {
      comment: 'API: not cached; Authorization and the query string reach the origin',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(1),
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList('Authorization'),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    this.responseHeadersPolicy = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Security headers on every response of the photo platform',
      securityHeadersBehavior: {
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        // The legacy XSS auditor is off in current browsers and could be abused where it is not: `0`.
        xssProtection: { protection: false, override: true },
        contentSecurityPolicy: {
          contentSecurityPolicy: "default-src 'none'; img-src 'self'; media-src 'self'; frame-ancestors 'none'",
          override: true,
        },
      },
    });

    const originAccessControl = new cloudfront.S3OriginAccessControl(this, 'MediaOriginAccessControl', {
      description: 'CloudFront reads of the photo platform media buckets (SigV4)',
      signing: cloudfront.Signing.SIGV4_ALWAYS,
    });
    const mediaOrigin = (originId: string, bucket: MediaOriginBucket) =>
      origins.S3BucketOrigin.withOriginAccessControl(
        s3.Bucket.fromBucketAttributes(this, `${originId}Bucket`, {
          bucketName: bucket.bucketName,
          region: bucket.region,
        }),
        {
          originAccessControl,
          originAccessLevels: [cloudfront.AccessLevel.READ],
          originId,
          // Fail over to the replica within seconds when the primary region does not answer.
          connectionAttempts: 2,
          connectionTimeout: Duration.seconds(5),
        },
      );
    const media = new origins.OriginGroup({
      primaryOrigin: mediaOrigin('Media', props.mediaBucket),
      fallbackOrigin: mediaOrigin('MediaReplica', props.mediaReplicaBucket),
      fallbackStatusCodes: [...MEDIA_FAILOVER_STATUS_CODES],
    });
    const api = new origins.HttpOrigin(props.apiOriginDomainName, {
      originId: 'Api',
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      // Below the ALB's idle timeout (60 s), so CloudFront never reuses a connection the ALB closed.
      keepaliveTimeout: Duration.seconds(30),
      readTimeout: Duration.seconds(30),
      // customHeaders takes strings, so the SecretValue is unwrapped: into its dynamic reference,
      // which CloudFormation resolves at deploy time; the template never holds the value.
      customHeaders: { [props.apiOriginHeader.name]: props.apiOriginHeader.value.unsafeUnwrap() },
    });
    const apiBehavior: cloudfront.BehaviorOptions = {
      origin: api,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
      cachePolicy: this.apiCachePolicy,
      // Every other viewer header (Content-Type, client address) and the cookies reach the service;
      // Host is CloudFront's, the origin name on the ALB certificate.
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: this.responseHeadersPolicy,
      compress: true,
    };

    this.distribution = new cloudfront.Distribution(this, 'Resource', {
      comment: `Photo platform: ${props.domainName}`,
      domainNames: [props.domainName],
      certificate: props.certificate,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      sslSupportMethod: cloudfront.SSLMethod.SNI,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      priceClass: config.priceClass as cloudfront.PriceClass,
      webAclId: props.webAclArn,
      defaultBehavior: {
        origin: media,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
        cachePolicy: this.mediaCachePolicy,
        responseHeadersPolicy: this.responseHeadersPolicy,
        // JPEG, PNG and MP4 are compressed already.
        compress: false,
      },
      additionalBehaviors: Object.fromEntries(API_PATH_PATTERNS.map((path) => [path, apiBehavior])),
    });
    // The buckets' policies live with the buckets, in the regional stacks (MediaStorage), which
    // deploy before this one; an imported bucket cannot take a statement from here.
    Annotations.of(this.distribution).acknowledgeWarning(
      '@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac',
      'The media buckets grant CloudFront reads in their own stacks (MediaStorage)',
    );

    this.accessLogsBucket = this.createAccessLogs(props);
  }

  /**
   * Standard logging v2: CloudWatch Logs delivers the access logs to an S3 bucket of its own, which
   * keeps ACLs disabled (legacy logging needs them) and needs only a bucket policy for the log
   * delivery service of this account.
   */
  private createAccessLogs(props: EdgeDistributionProps): s3.Bucket {
    const { account, region } = Stack.of(this);
    const bucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'ExpireLogs', expiration: Duration.days(props.config.accessLogRetentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const fromThisAccountsDeliveries = {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': `arn:${Stack.of(this).partition}:logs:${region}:${account}:delivery-source:*` },
    };
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowLogDeliveryAclCheck',
        principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
        actions: ['s3:GetBucketAcl'],
        resources: [bucket.bucketArn],
        conditions: fromThisAccountsDeliveries,
      }),
    );
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowLogDeliveryWrite',
        principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
        actions: ['s3:PutObject'],
        // Under AWSLogs/, with the account as a plain or a Hive-style (`aws-account-id=`) segment.
        resources: [bucket.arnForObjects('AWSLogs/*')],
        conditions: {
          ...fromThisAccountsDeliveries,
          StringEquals: { ...fromThisAccountsDeliveries.StringEquals, 's3:x-amz-acl': 'bucket-owner-full-control' },
        },
      }),
    );

    const source = new logs.CfnDeliverySource(this, 'AccessLogSource', {
      name: props.accessLogDeliveryNames.source,
      logType: 'ACCESS_LOGS',
      resourceArn: Arn.format(
        { service: 'cloudfront', region: '', resource: 'distribution', resourceName: this.distribution.distributionId },
        Stack.of(this),
      ),
    });
    const destination = new logs.CfnDeliveryDestination(this, 'AccessLogDestination', {
      name: props.accessLogDeliveryNames.destination,
      destinationResourceArn: bucket.bucketArn,
      outputFormat: 'json',
    });
    const delivery = new logs.CfnDelivery(this, 'AccessLogDelivery', {
      deliverySourceName: props.accessLogDeliveryNames.source,
      deliveryDestinationArn: destination.attrArn,
      s3EnableHiveCompatiblePath: true,
    });
    delivery.node.addDependency(source);
    // The bucket policy must be in place before the delivery writes its first object.
    if (bucket.policy) delivery.node.addDependency(bucket.policy);
    return bucket;
  }
}

function validateProps(scope: Construct, props: EdgeDistributionProps): void {
  const region = Stack.of(scope).region;
  if (!Token.isUnresolved(region) && region !== 'us-east-1') {
    throw new Error(
      `EdgeDistribution: the stack is in ${region}; allowed: us-east-1, with the certificate and web ACL`,
    );
  }
  const certificateRegion = Token.isUnresolved(props.certificate.certificateArn)
    ? Stack.of(props.certificate).region
    : Arn.split(props.certificate.certificateArn, ArnFormat.SLASH_RESOURCE_NAME).region;
  if (!Token.isUnresolved(certificateRegion) && certificateRegion !== 'us-east-1') {
    throw new Error(
      `EdgeDistribution: certificate is in ${certificateRegion}; allowed: a certificate in us-east-1, the only ` +
        'region CloudFront reads certificates from',
    );
  }
  if (!isSecretsManagerReference(scope, props.apiOriginHeader.value)) {
    throw new Error(
      'EdgeDistribution: apiOriginHeader.value is a plain value; allowed: a Secrets Manager dynamic reference ' +
        '(SecretValue.secretsManager), so that the secret stays out of the template',
    );
  }
  if (props.mediaBucket.bucketName === props.mediaReplicaBucket.bucketName) {
    throw new Error(
      `EdgeDistribution: mediaReplicaBucket.bucketName is ${JSON.stringify(props.mediaReplicaBucket.bucketName)}; ` +
        'allowed: a bucket other than mediaBucket, its replica',
    );
  }
}
