import { type CfnResource, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { WafConfig } from './config/edge';
import type { PlatformConfig } from './config/types';
import { globalDashboardWidgets } from './monitoring';
import { PlatformNames } from './names';

/** Properties of {@link EdgeMonitoring}. */
export interface EdgeMonitoringProps {
  readonly config: PlatformConfig;

  /** The WAF thresholds (`config.edge.waf`). */
  readonly waf: WafConfig;

  /** The `MetricName` of the web ACL's own visibility config: WAF's `WebACL` metric dimension. */
  readonly webAclMetricName: string;
}

/**
 * What the edge stack watches: WAF blocked requests, warning through the primary region's warning
 * topic (the edge and the primary share us-east-1; the topic is named, not imported), and the
 * global dashboard over both regions' composite alarms and business metrics.
 */
export class EdgeMonitoring extends Construct {
  readonly blockedRequestsAlarm: cloudwatch.Alarm;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: EdgeMonitoringProps) {
    super(scope, id);
    const names = new PlatformNames(props.config);
    const { account, region, partition } = Stack.of(this);

    // CloudFront web ACLs publish their metrics in us-east-1 with no Region dimension.
    this.blockedRequestsAlarm = new cloudwatch.Alarm(this, 'WafBlockedRequests', {
      // Named like the primary's alarms, which the primary's warning topic admits.
      alarmName: names.alarmName('primary', 'edge-waf-blocked-requests'),
      alarmDescription:
        `WAF blocked more than ${props.waf.blockedRequestsAlarmPerFiveMinutes} requests in 5 minutes at the edge: ` +
        'an attack, or a rule refusing real users (see the WAF logs)',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/WAFV2',
        metricName: 'BlockedRequests',
        dimensionsMap: { WebACL: props.webAclMetricName, Rule: 'ALL' },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(5),
      }),
      threshold: props.waf.blockedRequestsAlarmPerFiveMinutes,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // WAF publishes nothing while it blocks nothing.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const warnings = sns.Topic.fromTopicArn(
      this,
      'WarningTopic',
      `arn:${partition}:sns:${region}:${account}:${names.alertTopicName('primary', 'warning')}`,
    );
    this.blockedRequestsAlarm.addAlarmAction(new cloudwatchActions.SnsAction(warnings));
    this.blockedRequestsAlarm.addOkAction(new cloudwatchActions.SnsAction(warnings));

    this.dashboard = new cloudwatch.Dashboard(this, 'GlobalDashboard', {
      dashboardName: `${props.config.stackNamePrefix}-global`,
      defaultInterval: Duration.hours(3),
    });
    // Known gap in the linter, as for the regional dashboards (lib/monitoring.ts): cfn-lint 1.51
    // does not know the dashboard Tags property that CloudFormation accepts.
    (this.dashboard.node.defaultChild as CfnResource).addMetadata('cfn-lint', { config: { ignore_checks: ['E3002'] } });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Edge: WAF blocked requests',
        left: [this.blockedRequestsAlarm.metric],
        leftAnnotations: [this.blockedRequestsAlarm.toAnnotation()],
        width: 24,
      }),
    );
    this.dashboard.addWidgets(...globalDashboardWidgets(new Construct(this, 'Regions'), props.config));
  }
}
