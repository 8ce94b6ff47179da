import { Type } from 'typebox';
import { type RunbookError, TransientAwsError } from './shared/errors';
import { CommonFields, Fields } from './shared/event';
import { defineStep, logger } from './shared/step';
import { type SwitchChange, setWriteSwitch } from './shared/write-switch';

const FenceWritesEvent = Type.Object(
  {
    ...CommonFields,
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
  readonly standby: SwitchChange;
  /** The old primary's switch, or why it could not be reached. */
  readonly primary: SwitchChange | { readonly region: string; readonly unreachable: string };
}

/**
 * Fence writes: turns the write switch `off` in the standby region, so writes answer 503 while the
 * database is a read-only replica, and in the old primary region, so a half-alive primary stops
 * taking writes that the promotion would lose. The standby's switch must flip; the primary's is
 * best effort unless `primaryRequired` (a planned switch, with the primary up).
 */
export const handler = defineStep('fence-writes', FenceWritesEvent, async (event) => {
  const standby = await setWriteSwitch(event.parameterName, event.standbyRegion, 'off', { dryRun: event.dryRun });

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
  const describe = (c: FenceWritesDetails['primary']) =>
    'action' in c ? `${c.region} ${c.before} -> ${c.after} (${c.action})` : `${c.region} not reached: ${c.unreachable}`;
  return {
    action: changed ? 'changed' : planned ? 'planned' : 'unchanged',
    summary: `write switch off: ${describe(standby)}; ${describe(primary)}`,
    details: { standby, primary } satisfies FenceWritesDetails,
  };
});
