import {
  DescribeAutoScalingGroupsCommand,
  ScalingActivityInProgressFault,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { handler } from '../../lambda/scale-fleet';
import { scaledSize } from '../../lambda/shared/capacity';
import { awsError, EXECUTION, group, mockAws, THROTTLING } from './helpers';

const aws = mockAws();
beforeEach(() => aws.reset());

const TARGET = { min: 50, desired: 100, max: 500 };
const event = (fields: Record<string, unknown> = {}) => ({
  ...EXECUTION,
  dryRun: false,
  autoScalingGroupName: 'photo-prod-fleet-standby',
  capacity: TARGET,
  ...fields,
});

test('sets min, desired and max in one UpdateAutoScalingGroup call', async () => {
  aws.autoscaling.on(DescribeAutoScalingGroupsCommand).resolves(group({ min: 6, desired: 6, max: 500 }));

  const result = await handler(event());

  expect(aws.autoscaling).toHaveReceivedCommandTimes(UpdateAutoScalingGroupCommand, 1);
  expect(aws.autoscaling).toHaveReceivedCommandWith(UpdateAutoScalingGroupCommand, {
    AutoScalingGroupName: 'photo-prod-fleet-standby',
    MinSize: 50,
    DesiredCapacity: 100,
    MaxSize: 500,
  });
  expect(result.action).toBe('changed');
});

test.each([
  ['the warm floor', { min: 6, desired: 6, max: 500 }],
  ['a group CPU scaling took further', { min: 6, desired: 240, max: 500 }],
  ['a group with a higher ceiling', { min: 6, desired: 30, max: 800 }],
  ['a group with a lower ceiling than the target desired', { min: 2, desired: 2, max: 40 }],
  ['a group above the target everywhere', { min: 60, desired: 700, max: 900 }],
])('from %s the desired capacity stays within the bounds sent with it', async (_label, current) => {
  aws.autoscaling.on(DescribeAutoScalingGroupsCommand).resolves(group(current));

  await handler(event());

  for (const call of aws.autoscaling.commandCalls(UpdateAutoScalingGroupCommand)) {
    const { MinSize = -1, DesiredCapacity = -1, MaxSize = -1 } = call.args[0].input;
    expect(MinSize).toBeLessThanOrEqual(DesiredCapacity);
    expect(DesiredCapacity).toBeLessThanOrEqual(MaxSize);
    expect(MinSize).toBeGreaterThanOrEqual(Math.max(current.min, TARGET.min));
    expect(DesiredCapacity).toBeGreaterThanOrEqual(current.desired);
    expect(MaxSize).toBeGreaterThanOrEqual(current.max);
  }
});

test('never shrinks a group that is already larger', () => {
  expect(scaledSize({ min: 6, desired: 240, max: 500 }, TARGET)).toEqual({ min: 50, desired: 240, max: 500 });
  expect(scaledSize({ min: 2, desired: 2, max: 40 }, TARGET)).toEqual({ min: 50, desired: 100, max: 500 });
});

test('a group already at capacity gets no call', async () => {
  aws.autoscaling.on(DescribeAutoScalingGroupsCommand).resolves(group(TARGET, 100));

  const result = await handler(event());

  expect(aws.autoscaling).not.toHaveReceivedCommand(UpdateAutoScalingGroupCommand);
  expect(result.action).toBe('unchanged');
});

test('a dry run reports the plan and sends no UpdateAutoScalingGroup', async () => {
  aws.autoscaling.on(DescribeAutoScalingGroupsCommand).resolves(group({ min: 6, desired: 6, max: 500 }));

  const result = await handler(event({ dryRun: true }));

  expect(aws.autoscaling).not.toHaveReceivedCommand(UpdateAutoScalingGroupCommand);
  expect(result).toMatchObject({ action: 'planned', details: { after: { min: 50, desired: 100, max: 500 } } });
});

test.each([
  [
    { min: 50, desired: 600, max: 500 },
    /capacity\.desired: got 600; allowed: an integer from capacity\.min \(50\) to capacity\.max \(500\)/,
  ],
  [{ min: 50, desired: 40, max: 500 }, /capacity\.desired: got 40/],
  [{ min: 60, desired: 50, max: 40 }, /capacity\.max: got 40; allowed: an integer of at least capacity\.min \(60\)/],
  [{ min: 1.5, desired: 2, max: 4 }, /capacity\.min: got 1\.5; allowed: an integer from 0 to 10000/],
])('capacity %j is refused before any AWS call', async (capacity, message) => {
  await expect(handler(event({ capacity }))).rejects.toThrow(message);
  expect(aws.commandsSent()).toEqual([]);
});

test('an unknown group is ResourceNotFound', async () => {
  aws.autoscaling.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });

  await expect(handler(event())).rejects.toMatchObject({
    name: 'ResourceNotFound',
    message: expect.stringContaining('no Auto Scaling group named photo-prod-fleet-standby'),
  });
});

test.each([
  [
    'a scaling activity in progress',
    new ScalingActivityInProgressFault({ message: 'busy', $metadata: {} }),
    'ResourceBusy',
  ],
  ['throttling', THROTTLING(), 'TransientAwsError'],
  [
    'a validation error',
    awsError('ValidationError', 'Max bound, 400, must be greater than or equal to min bound'),
    'AwsCallFailed',
  ],
])('%s from UpdateAutoScalingGroup is reported as %s', async (_label, error, name) => {
  aws.autoscaling.on(DescribeAutoScalingGroupsCommand).resolves(group({ min: 6, desired: 6, max: 500 }));
  aws.autoscaling.on(UpdateAutoScalingGroupCommand).rejects(error);

  await expect(handler(event())).rejects.toMatchObject({
    name,
    message: expect.stringMatching(/^scale-fleet: UpdateAutoScalingGroup photo-prod-fleet-standby failed with /),
    cause: error,
  });
});
