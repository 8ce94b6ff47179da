import { Type } from 'typebox';
import { CommonFields, Fields } from './shared/event';
import { defineStep } from './shared/step';
import { setWriteSwitch } from './shared/write-switch';

const ResumeWritesEvent = Type.Object(
  {
    ...CommonFields,
    parameterName: Fields.name(
      'the SSM parameter name of the write switch, such as /photo-prod/service/writes-enabled',
    ),
    region: Fields.region(),
  },
  { additionalProperties: false },
);

/**
 * Resume writes: turns the standby region's write switch back `on` once its database is the
 * promoted primary and traffic is pinned to it. The service reads the switch every 10 s.
 */
export const handler = defineStep('resume-writes', ResumeWritesEvent, async (event) => {
  const change = await setWriteSwitch(event.parameterName, event.region, 'on', { dryRun: event.dryRun });
  return {
    action: change.action,
    summary: `write switch on in ${change.region}: ${change.before} -> ${change.after} (${change.action})`,
    details: change,
  };
});
