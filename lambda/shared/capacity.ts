import { type Static, Type } from 'typebox';
import { InvalidEventError } from './errors';
import { Fields } from './event';

/** The standby fleet's production capacity: the Auto Scaling group's min, desired and max. */
export const Capacity = Type.Object(
  {
    min: Fields.integer(0, 10_000),
    desired: Fields.integer(0, 10_000, ', between min and max'),
    max: Fields.integer(1, 10_000),
  },
  { additionalProperties: false, description: 'an object {min, desired, max} with min <= desired <= max' },
);
export type Capacity = Static<typeof Capacity>;

/** Throws `InvalidEventError` unless `min <= desired <= max`, naming the field that breaks it. */
export function assertCapacityOrdered(step: string, capacity: Capacity, field = 'capacity'): void {
  if (capacity.min > capacity.max) {
    throw new InvalidEventError(step, [
      { field: `${field}.max`, value: capacity.max, allowed: `an integer of at least ${field}.min (${capacity.min})` },
    ]);
  }
  if (capacity.desired < capacity.min || capacity.desired > capacity.max) {
    throw new InvalidEventError(step, [
      {
        field: `${field}.desired`,
        value: capacity.desired,
        allowed: `an integer from ${field}.min (${capacity.min}) to ${field}.max (${capacity.max})`,
      },
    ]);
  }
}

/** The size of an Auto Scaling group as DescribeAutoScalingGroups reports it. */
export interface GroupSize {
  readonly min: number;
  readonly desired: number;
  readonly max: number;
}

/**
 * The size to set so that the group has at least `target`, never less than it has now: each bound
 * is the larger of the two, and desired is clamped into the new bounds. The result always has
 * min <= desired <= max.
 */
export function scaledSize(current: GroupSize, target: Capacity): GroupSize {
  const min = Math.max(current.min, target.min);
  const max = Math.max(current.max, target.max, min);
  const desired = Math.min(max, Math.max(min, current.desired, target.desired));
  return { min, desired, max };
}
