import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { Static, TSchema } from 'typebox';
import { RUNBOOK_STEPS, type RunbookStep } from '../../lib/runbook-steps';
import { classifyAwsError, RunbookError } from './errors';
import { parseEvent } from './event';
import { reportInProgress } from './in-progress';

/** The runbook's steps, in the state machine's order (`check-promotion` and `verify` are polled). */
export const STEP_NAMES = RUNBOOK_STEPS;

export type StepName = RunbookStep;

/**
 * What a step did: `changed` (it sent a mutating call), `unchanged` (the world was already as the
 * step wants it), `planned` (a dry run: what it would change), `checked` (a read-only step), or
 * `pending` (a polled step whose condition is not true yet).
 */
export type StepAction = 'changed' | 'unchanged' | 'planned' | 'checked' | 'pending';

/** What a step's body returns. */
export interface StepOutcome<D> {
  readonly action: StepAction;
  /** One line for the operator, such as `promoted photo-prod-db-standby (lag 3 s)`. */
  readonly summary: string;
  readonly details: D;
  /** When the phase this step belongs to began, for polled steps (their first poll); defaults to `startedAt`. */
  readonly phaseStartedAt?: string;
}

/** What a step's Lambda returns to the state machine, and the report reads. */
export interface StepResult<D = unknown> extends StepOutcome<D> {
  readonly step: StepName;
  readonly executionId: string;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly phaseStartedAt: string;
}

/** The one structured logger of the runbook; every line carries `step` and `executionId`. */
export const logger = new Logger({ serviceName: 'failover-runbook' });

/**
 * Wraps one step's body as a Lambda handler: validates the event first (an `InvalidEvent` error
 * names each bad field), logs start and end with the step and execution id, times the step, and
 * turns any stray AWS error into a named `RunbookError` the state machine can match.
 */
export function defineStep<S extends TSchema, D>(
  step: StepName,
  schema: S,
  body: (event: Static<S> & { dryRun: boolean; executionId: string }) => Promise<StepOutcome<D>>,
): (event: unknown, context?: Context) => Promise<StepResult<D>> {
  return async (rawEvent, context) => {
    const started = new Date();
    const rawExecutionId = (rawEvent as { executionId?: unknown } | null)?.executionId;
    logger.resetKeys();
    if (context) logger.addContext(context);
    logger.appendKeys({ step, executionId: typeof rawExecutionId === 'string' ? rawExecutionId : 'unknown' });

    let event: Static<S> & { dryRun: boolean; executionId: string };
    try {
      event = parseEvent(step, schema, rawEvent) as Static<S> & { dryRun: boolean; executionId: string };
    } catch (error) {
      logger.error('invalid event', { error: error as Error });
      throw error;
    }

    logger.info('step started', { dryRun: event.dryRun });
    try {
      const outcome = await body(event);
      const finished = new Date();
      const result: StepResult<D> = {
        step,
        executionId: event.executionId,
        dryRun: event.dryRun,
        startedAt: started.toISOString(),
        finishedAt: finished.toISOString(),
        durationMs: finished.getTime() - started.getTime(),
        ...outcome,
        phaseStartedAt: outcome.phaseStartedAt ?? started.toISOString(),
      };
      logger.info('step finished', { action: result.action, summary: result.summary, durationMs: result.durationMs });
      await reportInProgress(step, (message, fields) => logger.warn(message, fields));
      return result;
    } catch (error) {
      const failure = error instanceof RunbookError ? error : classifyAwsError(error, step);
      // The state machine's failure notification shows the message: it says which step failed.
      if (!failure.message.startsWith(`${step}: `)) failure.message = `${step}: ${failure.message}`;
      logger.error('step failed', { errorName: failure.name, error: failure });
      throw failure;
    }
  };
}
