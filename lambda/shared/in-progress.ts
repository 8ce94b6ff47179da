import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { IN_PROGRESS_METRIC_ENV } from '../../lib/runbook-steps';
import type { StepName } from './step';

interface InProgressMetric {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

const cloudwatch = new CloudWatchClient({});

/**
 * Tells the standby's alarms that the runbook runs, so that the composites a failover is expected
 * to trip (cold cache, scale-out, the promotion's database gap) hold their notifications
 * (`PlatformNames.failoverInProgressMetric`): 1 after every step, 0 after the report. Polled steps
 * run every 15 to 30 s, well inside the alarm's 10-minute hold.
 *
 * Best effort: a lost datapoint costs an unsuppressed alert, never the failover, so a failure is
 * logged and swallowed. Without the environment variable (unit tests, the drill) nothing is sent.
 */
export async function reportInProgress(
  step: StepName,
  log: (message: string, fields: Record<string, unknown>) => void,
): Promise<void> {
  const raw = process.env[IN_PROGRESS_METRIC_ENV];
  if (!raw) return;
  try {
    const metric = JSON.parse(raw) as InProgressMetric;
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: metric.namespace,
        MetricData: [
          {
            MetricName: metric.metricName,
            Dimensions: Object.entries(metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
            Value: step === 'report' ? 0 : 1,
            Timestamp: new Date(),
          },
        ],
      }),
    );
  } catch (error) {
    log('failover-in-progress datapoint not sent', { error: (error as Error).message });
  }
}
