import { AutoScalingClient, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { Type } from 'typebox';
import { send } from './shared/aws';
import { assertCapacityOrdered, Capacity, type GroupSize, scaledSize } from './shared/capacity';
import { CommonFields, Fields } from './shared/event';
import { describeFleet } from './shared/fleet';
import { defineStep } from './shared/step';

const autoscaling = new AutoScalingClient({});

const ScaleFleetEvent = Type.Object(
  {
    ...CommonFields,
    autoScalingGroupName: Fields.name('the name of the standby Auto Scaling group'),
    capacity: Capacity,
  },
  { additionalProperties: false },
);

export interface ScaleFleetDetails {
  readonly before: GroupSize & { readonly inService: number };
  readonly after: GroupSize;
}

/**
 * Scale the standby fleet to production capacity: one UpdateAutoScalingGroup call that sets min,
 * desired and max together, so the group never sees min > desired or desired > max. It never
 * shrinks the group (a re-run, or CPU scaling that already went further, keeps the larger size),
 * and sends nothing when the group is already that large.
 */
export const handler = defineStep('scale-fleet', ScaleFleetEvent, async (event) => {
  assertCapacityOrdered('scale-fleet', event.capacity);
  const fleet = await describeFleet(autoscaling, event.autoScalingGroupName);
  const before = { min: fleet.min, desired: fleet.desired, max: fleet.max, inService: fleet.inService };
  const after = scaledSize(fleet, event.capacity);
  const text = (s: GroupSize) => `min ${s.min} / desired ${s.desired} / max ${s.max}`;

  if (after.min === fleet.min && after.desired === fleet.desired && after.max === fleet.max) {
    return {
      action: 'unchanged',
      summary: `${event.autoScalingGroupName} already at ${text(fleet)}`,
      details: { before, after } satisfies ScaleFleetDetails,
    };
  }
  if (event.dryRun) {
    return {
      action: 'planned',
      summary: `would scale ${event.autoScalingGroupName} from ${text(fleet)} to ${text(after)}`,
      details: { before, after } satisfies ScaleFleetDetails,
    };
  }

  await send(`UpdateAutoScalingGroup ${event.autoScalingGroupName}`, () =>
    autoscaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: event.autoScalingGroupName,
        MinSize: after.min,
        DesiredCapacity: after.desired,
        MaxSize: after.max,
      }),
    ),
  );
  return {
    action: 'changed',
    summary: `scaled ${event.autoScalingGroupName} from ${text(fleet)} to ${text(after)}`,
    details: { before, after } satisfies ScaleFleetDetails,
  };
});
