import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { FailoverSwitchMetric } from './names';

/** Properties of {@link FailoverSwitch}. */
export interface FailoverSwitchProps {
  /** Name of the alarm, which the primary's Route 53 health check names (`PlatformNames.failoverSwitchAlarmName`). */
  readonly alarmName: string;

  /** The metric the failover runbook writes (`PlatformNames.failoverSwitchMetric`). */
  readonly metric: FailoverSwitchMetric;
}

/**
 * The data-plane failover switch: a CloudWatch alarm in the standby region on the metric the
 * failover runbook writes. The primary origin's Route 53 health check includes a check of this
 * alarm, so writing the metric from us-west-2 fails traffic over without a call to the Route 53
 * control plane (in us-east-1, the failed region).
 *
 * - Never written: the alarm stays in INSUFFICIENT_DATA, which the health check reads as its last
 *   known status, healthy for a new check; a quiet metric never fails over.
 * - `forceValue` (1) written: ALARM within about a minute (one one-minute datapoint, Maximum).
 * - `releaseValue` (0) written: OK.
 * - Silence after a value keeps the state (missing data is ignored): the switch latches. A
 *   failover must not undo itself when the runbook stops writing, or traffic would return to a
 *   recovered us-east-1 whose database is no longer the primary.
 */
export class FailoverSwitch extends Construct {
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: FailoverSwitchProps) {
    super(scope, id);
    const { metric } = props;
    const region = Stack.of(this).region;
    if (!Token.isUnresolved(region) && region !== metric.region) {
      throw new Error(
        `FailoverSwitch: metric.region is ${JSON.stringify(metric.region)}; allowed: this stack's region (${region}), ` +
          'where the runbook writes the metric',
      );
    }
    if (!(metric.forceValue > metric.releaseValue)) {
      throw new Error(
        `FailoverSwitch: metric.forceValue is ${metric.forceValue}; allowed: a value above releaseValue (${metric.releaseValue})`,
      );
    }

    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmName: props.alarmName,
      alarmDescription:
        `Failover switch: ALARM forces the primary origin unhealthy in Route 53. The failover runbook writes ` +
        `${metric.namespace} ${metric.metricName} = ${metric.forceValue} to force, ${metric.releaseValue} to release.`,
      metric: new cloudwatch.Metric({
        namespace: metric.namespace,
        metricName: metric.metricName,
        dimensionsMap: { ...metric.dimensions },
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(1),
      }),
      threshold: metric.forceValue,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    });
  }
}
