import { RDSClient } from '@aws-sdk/client-rds';
import { Type } from 'typebox';
import { secondsBetween } from './shared/aws';
import { describeDatabase } from './shared/database';
import { StepTimedOutError } from './shared/errors';
import { CommonFields, Fields } from './shared/event';
import { defineStep } from './shared/step';

const rds = new RDSClient({});

const CheckPromotionEvent = Type.Object(
  {
    ...CommonFields,
    dbInstanceIdentifier: Fields.name('the identifier of the standby database instance being promoted'),
    promotionRequested: Fields.boolean('true when promote-database sent (or found) the promotion, else false'),
    waitingSince: Fields.timestamp(),
    timeoutSeconds: Fields.integer(60, 7_200, ' (the promotion time bound)'),
  },
  { additionalProperties: false },
);

/**
 * `promoted`: standalone and available, writes can go to it. `promoting`: the promotion is under
 * way (or was just sent and RDS does not show it yet). `not-started`: still an available replica
 * that nobody asked to promote, so the state machine goes back to promote-database.
 */
export type PromotionState = 'promoted' | 'promoting' | 'not-started';

export interface CheckPromotionDetails {
  readonly state: PromotionState;
  readonly status: string;
  readonly waitedSeconds: number;
}

/**
 * Check the promotion: one DescribeDBInstances, polled by the state machine from a Wait state
 * (no Lambda time is spent waiting). Fails with `StepTimedOut` once the promotion has taken longer
 * than its bound, counted from `waitingSince` (the end of the step before the promotion).
 */
export const handler = defineStep('check-promotion', CheckPromotionEvent, async (event) => {
  const db = await describeDatabase(rds, event.dbInstanceIdentifier);
  const waitedSeconds = secondsBetween(event.waitingSince);
  const state: PromotionState = !db.replicaSource
    ? db.status === 'available'
      ? 'promoted'
      : 'promoting'
    : event.promotionRequested || db.status !== 'available'
      ? 'promoting'
      : 'not-started';

  if (state !== 'promoted' && waitedSeconds > event.timeoutSeconds) {
    throw new StepTimedOutError(
      `${event.dbInstanceIdentifier} is still ${db.replicaSource ? `a replica (${db.status})` : db.status} after ${waitedSeconds} s; the promotion bound is ${event.timeoutSeconds} s`,
    );
  }
  return {
    action: state === 'promoted' ? 'checked' : 'pending',
    summary: `${event.dbInstanceIdentifier} ${state} (${db.status}) after ${waitedSeconds} s`,
    details: { state, status: db.status, waitedSeconds } satisfies CheckPromotionDetails,
    phaseStartedAt: event.waitingSince,
  };
});
