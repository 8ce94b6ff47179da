import { type AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { send } from './aws';
import type { GroupSize } from './capacity';
import { ResourceNotFoundError } from './errors';

/** The standby Auto Scaling group's size and how many of its instances serve. */
export interface FleetState extends GroupSize {
  readonly name: string;
  /** Instances InService and Healthy. */
  readonly inService: number;
  readonly instances: number;
}

/** DescribeAutoScalingGroups for one group; an unknown name is `ResourceNotFound`. */
export async function describeFleet(autoscaling: AutoScalingClient, name: string): Promise<FleetState> {
  const out = await send(`DescribeAutoScalingGroups ${name}`, () =>
    autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })),
  );
  const group = out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === name);
  if (!group) throw new ResourceNotFoundError(`DescribeAutoScalingGroups found no Auto Scaling group named ${name}`);
  const instances = group.Instances ?? [];
  return {
    name,
    min: group.MinSize ?? 0,
    desired: group.DesiredCapacity ?? 0,
    max: group.MaxSize ?? 0,
    instances: instances.length,
    inService: instances.filter((i) => i.LifecycleState === 'InService' && i.HealthStatus === 'Healthy').length,
  };
}
