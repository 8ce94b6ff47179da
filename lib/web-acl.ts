import { ArnFormat, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { WafConfig } from './config/edge';

/** The AWS managed rule groups of the web ACL, in evaluation order after the rate limit. */
export const MANAGED_RULE_GROUPS = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesSQLiRuleSet',
] as const;

/** Properties of {@link WebAcl}. */
export interface WebAclProps {
  /** Rate limit and logging. */
  readonly config: WafConfig;

  /** Prefix of the CloudWatch metric names of the ACL and its rules, such as `photo-prod-edge`. */
  readonly metricPrefix: string;

  /** Name of the log group; WAF requires the `aws-waf-logs-` prefix. */
  readonly logGroupName: string;

  /** Key of the log group (its policy must admit CloudWatch Logs of this region, as `LogsKey` does). */
  readonly logsKey: kms.IKey;
}

/**
 * The WAF web ACL of the CloudFront distribution (scope CLOUDFRONT, so its stack must be in
 * us-east-1): a rate-based rule per client IP first, then the AWS managed rule groups for IP
 * reputation, common threats, known bad inputs and SQL injection. Logs go to a KMS-encrypted
 * CloudWatch Logs log group, with the `Authorization` header redacted.
 */
export class WebAcl extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly logGroup: logs.LogGroup;
  readonly loggingConfiguration: wafv2.CfnLoggingConfiguration;

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    validateProps(props);
    validatePlacement(this);
    const { config, metricPrefix } = props;
    const visibility = (name: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName: `${metricPrefix}-${name}`,
      sampledRequestsEnabled: true,
    });

    const rateLimit: wafv2.CfnWebACL.RuleProperty = {
      name: 'RateLimitPerClientIp',
      priority: 0,
      action: { block: {} },
      statement: {
        rateBasedStatement: { limit: config.rateLimitPerFiveMinutes, aggregateKeyType: 'IP', evaluationWindowSec: 300 },
      },
      visibilityConfig: visibility('rate-limit'),
    };
    const managed = MANAGED_RULE_GROUPS.map(
      (name, i): wafv2.CfnWebACL.RuleProperty => ({
        name,
        priority: i + 1,
        overrideAction: { none: {} },
        statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
        visibilityConfig: visibility(name),
      }),
    );

    this.webAcl = new wafv2.CfnWebACL(this, 'Resource', {
      description: 'Photo platform edge: rate limit per client IP and AWS managed rule groups',
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      rules: [rateLimit, ...managed],
      visibilityConfig: visibility('web-acl'),
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: props.logGroupName,
      retention: config.logRetentionDays as logs.RetentionDays,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.loggingConfiguration = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // WAF takes the log group's ARN without the `:*` suffix that the log group's Arn attribute has.
      logDestinationConfigs: [
        Stack.of(this).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: props.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: [{ singleHeader: { Name: 'authorization' } }],
      loggingFilter: config.logAllowedRequests ? undefined : keepOnlyActedOnRequests(),
    });
    this.loggingConfiguration.node.addDependency(this.logGroup);
  }
}

/**
 * A logging filter that drops allowed requests and keeps those a rule blocked, counted or
 * challenged. (`LoggingFilter` is untyped JSON in CloudFormation, so its keys are PascalCase.)
 */
function keepOnlyActedOnRequests(): Record<string, unknown> {
  return {
    DefaultBehavior: 'DROP',
    Filters: [
      {
        Behavior: 'KEEP',
        Requirement: 'MEETS_ANY',
        Conditions: ['BLOCK', 'COUNT', 'CAPTCHA', 'CHALLENGE', 'EXCLUDED_AS_COUNT'].map((action) => ({
          ActionCondition: { Action: action },
        })),
      },
    ],
  };
}

function validateProps(props: WebAclProps): void {
  if (!Token.isUnresolved(props.logGroupName) && !/^aws-waf-logs-[\w.#/-]{1,499}$/.test(props.logGroupName)) {
    throw new Error(
      `WebAcl: logGroupName is ${JSON.stringify(props.logGroupName)}; allowed: a log group name starting with aws-waf-logs-`,
    );
  }
  if (!/^[\w-]{1,100}$/.test(props.metricPrefix)) {
    throw new Error(
      `WebAcl: metricPrefix is ${JSON.stringify(props.metricPrefix)}; allowed: 1 to 100 letters, digits, hyphens and underscores`,
    );
  }
}

function validatePlacement(scope: Construct): void {
  const region = Stack.of(scope).region;
  if (!Token.isUnresolved(region) && region !== 'us-east-1') {
    throw new Error(`WebAcl: the stack is in ${region}; allowed: us-east-1, where CloudFront web ACLs live`);
  }
}
