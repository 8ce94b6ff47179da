import { RDSClient } from '@aws-sdk/client-rds';
import { Type } from 'typebox';
import { describeDatabase } from './shared/database';
import { type RunbookError, TransientAwsError } from './shared/errors';
import { CommonFields, Fields } from './shared/event';
import { defineStep, logger } from './shared/step';
import { type SwitchChange, setWriteSwitch } from './shared/write-switch';

const rds = new RDSClient({});

const FenceWritesEvent = Type.Object(
  {
    ...CommonFields,
    dbInstanceIdentifier: Fields.name('the identifier of the standby database (a read replica until promoted)'),
    parameterName: Fields.name(
      'the SSM parameter name of the write switch, such as /photo-prod/service/writes-enabled',
    ),
    standbyRegion: Fields.region(),
    primaryRegion: Fields.region(),
    primaryRequired: Fields.boolean(
      'true (a planned switch: the old primary must be fenced) or false (best effort: the primary region may be down)',
    ),
  },
  { additionalProperties: false },
);

export interface FenceWritesDetails {
  /** The standby's switch, or why it was left alone. */
  readonly standby: SwitchChange | { readonly region: string; readonly skipped: string };
  /** The old primary's switch, or why it could not be reached. */
  readonly primary: SwitchChange | { readonly region: string; readonly unreachable: string };
}

/**
 * Fence writes: turns the write switch `off` in the standby region, so writes answer 503 while the
 * database is a read-only replica (not once it is promoted), and in the old primary region, so a half-alive primary stops
 * taking writes that the promotion would lose. The standby's switch must flip; the primary's is
 * best effort unless `primaryRequired` (a planned switch, with the primary up).
 */
export const handler = defineStep('fence-writes', FenceWritesEvent, async (event) => {
  // Once the standby's database is the promoted primary (a re-run after a failover), its writes
  // stay on: fencing it again would take writes down for nothing.
  const db = await describeDatabase(rds, event.dbInstanceIdentifier);
  const standby: FenceWritesDetails['standby'] = db.replicaSource
    ? await setWriteSwitch(event.parameterName, event.standbyRegion, 'off', { dryRun: event.dryRun })
    : { region: event.standbyRegion, skipped: `${event.dbInstanceIdentifier} is already promoted; writes stay on` };

  let primary: FenceWritesDetails['primary'];
  try {
    primary = await setWriteSwitch(event.parameterName, event.primaryRegion, 'off', {
      dryRun: event.dryRun,
      quick: !event.primaryRequired,
    });
  } catch (error) {
    if (event.primaryRequired) throw error;
    const reason = (error as RunbookError).message;
    logger.warn('old primary not fenced', {
      region: event.primaryRegion,
      reason,
      transient: error instanceof TransientAwsError,
    });
    primary = { region: event.primaryRegion, unreachable: reason };
  }

  const changed = [standby, primary].some((c) => 'action' in c && c.action === 'changed');
  const planned = [standby, primary].some((c) => 'action' in c && c.action === 'planned');
  const describe = (c: FenceWritesDetails['standby'] | FenceWritesDetails['primary']) =>
    'action' in c
      ? `${c.region} ${c.before} -> ${c.after} (${c.action})`
      : 'skipped' in c
        ? `${c.region} left alone: ${c.skipped}`
        : `${c.region} not reached: ${c.unreachable}`;
  return {
    action: changed ? 'changed' : planned ? 'planned' : 'unchanged',
    summary: `write switch off: ${describe(standby)}; ${describe(primary)}`,
    details: { standby, primary } satisfies FenceWritesDetails,
  };
});
