import { CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { Type } from 'typebox';
import { secondsBetween, send } from './shared/aws';
import { CommonFields, Fields } from './shared/event';
import { defineStep, STEP_NAMES, type StepName } from './shared/step';

const cloudwatch = new CloudWatchClient({});

const StepRecord = Type.Object(
  {
    step: Fields.name('the step name'),
    action: Fields.name('the step action'),
    summary: Type.String(),
    startedAt: Fields.timestamp(),
    finishedAt: Fields.timestamp(),
    phaseStartedAt: Fields.timestamp(),
    details: Type.Unknown(),
  },
  { description: 'a step result as the runbook handlers return it' },
);

const ReportEvent = Type.Object(
  {
    ...CommonFields,
    executionStartedAt: Fields.timestamp(),
    metricsNamespace: Fields.name('the CloudWatch namespace of the runbook metrics, such as photo-prod/failover'),
    rtoBudgetSeconds: Fields.integer(60, 86_400, ' (the RTO objective)'),
    steps: Type.Record(Type.String(), StepRecord, {
      description: 'the results of the steps so far, keyed by state, as the state machine collects them',
    }),
  },
  { additionalProperties: false },
);

/** One line of the timing report. */
export interface StepTiming {
  readonly step: StepName;
  readonly seconds: number;
  readonly action: string;
  readonly summary: string;
}

export interface FailoverReport {
  readonly steps: readonly StepTiming[];
  /** Replica lag when the database was promoted: the data the failover may have lost. */
  readonly observedRpoSeconds: number | null;
  /** Where the RPO figure comes from. */
  readonly rpoSource: 'lag at promotion' | 'lag at preflight' | 'unknown';
  /** From the start of the execution to this report. Detection (before on-call started it) is not in it. */
  readonly observedRtoSeconds: number;
  readonly rtoBudgetSeconds: number;
  readonly withinRtoBudget: boolean;
  readonly metricsPublished: boolean;
}

/**
 * Report: each step's time (polled steps from their first poll), the replica lag at promotion
 * (the observed RPO) and the total (the observed RTO), published as CloudWatch metrics in
 * `metricsNamespace` (not in a dry run) and returned as the execution's output.
 */
export const handler = defineStep('report', ReportEvent, async (event) => {
  const now = new Date();
  const results = Object.values(event.steps);
  const steps: StepTiming[] = STEP_NAMES.flatMap((name) => {
    const result = results.find((r) => r.step === name);
    if (!result) return [];
    return [
      {
        step: name,
        seconds: secondsBetween(result.phaseStartedAt, result.finishedAt),
        action: result.action,
        summary: result.summary,
      },
    ];
  });

  const { seconds: rpo, source: rpoSource } = observedRpo(results);
  const rto = secondsBetween(event.executionStartedAt, now);
  const report: FailoverReport = {
    steps,
    observedRpoSeconds: rpo,
    rpoSource,
    observedRtoSeconds: rto,
    rtoBudgetSeconds: event.rtoBudgetSeconds,
    withinRtoBudget: rto <= event.rtoBudgetSeconds,
    metricsPublished: !event.dryRun,
  };

  if (!event.dryRun) {
    const data: MetricDatum[] = [
      { MetricName: 'ObservedRtoSeconds', Unit: 'Seconds', Value: rto, Timestamp: now },
      ...(rpo === null
        ? []
        : [{ MetricName: 'ObservedRpoSeconds', Unit: 'Seconds' as const, Value: rpo, Timestamp: now }]),
      ...steps.map((s) => ({
        MetricName: 'StepDurationSeconds',
        Unit: 'Seconds' as const,
        Value: s.seconds,
        Timestamp: now,
        Dimensions: [{ Name: 'Step', Value: s.step }],
      })),
    ];
    await send(`PutMetricData ${event.metricsNamespace}`, () =>
      cloudwatch.send(new PutMetricDataCommand({ Namespace: event.metricsNamespace, MetricData: data })),
    );
  }

  return {
    action: event.dryRun ? 'planned' : 'changed',
    summary: `${event.dryRun ? 'dry run' : 'failover'} took ${rto} s (budget ${event.rtoBudgetSeconds} s); RPO ${rpo === null ? 'unknown (no lag measured in this run)' : `${rpo} s (${rpoSource})`}`,
    details: report,
  };
});

function observedRpo(results: ReadonlyArray<{ step: string; details: unknown }>): {
  seconds: number | null;
  source: FailoverReport['rpoSource'];
} {
  const promote = results.find((r) => r.step === 'promote-database')?.details as
    | { lagAtPromotion?: { seconds?: number | null } | null }
    | undefined;
  if (typeof promote?.lagAtPromotion?.seconds === 'number') {
    return { seconds: promote.lagAtPromotion.seconds, source: 'lag at promotion' };
  }
  const preflight = results.find((r) => r.step === 'preflight')?.details as
    | { replica?: { lagSeconds?: number | null } }
    | undefined;
  if (typeof preflight?.replica?.lagSeconds === 'number') {
    return { seconds: preflight.replica.lagSeconds, source: 'lag at preflight' };
  }
  return { seconds: null, source: 'unknown' };
}
