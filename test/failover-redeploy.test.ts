import { buildPlatform } from './helpers/platform';

process.env.CDK_VALIDATION = 'false';

// GIVEN the production deployment as it is normally declared, and as it is declared while the
// standby serves traffic after a failover (`-c servingRegion=standby`)
const normal = buildPlatform({ context: { profile: 'production' } });
const failedOver = buildPlatform({ context: { profile: 'production', servingRegion: 'standby' } });

type Resources = Record<string, { Type: string; Properties?: unknown }>;

function resourcesOf(build: typeof normal): Map<string, Resources> {
  return new Map(build.stacks.map((stack) => [stack.node.id, build.template(stack).toJSON().Resources as Resources]));
}

const before = resourcesOf(normal);
const after = resourcesOf(failedOver);

describe('a redeploy while the standby serves traffic', () => {
  test('keeps every stack and every resource: nothing is added, removed or renamed', () => {
    for (const [stackId, resources] of before) {
      expect([stackId, Object.keys(after.get(stackId) ?? {}).sort()]).toEqual([stackId, Object.keys(resources).sort()]);
    }
  });

  test('changes only the standby fleet bounds and what watches them, so no stateful resource changes', () => {
    const changed: string[] = [];
    for (const [stackId, resources] of before) {
      for (const [id, resource] of Object.entries(resources)) {
        if (JSON.stringify(resource) !== JSON.stringify(after.get(stackId)?.[id])) changed.push(`${stackId}/${id}`);
      }
    }

    // The group's bounds, and the floor alarm and dashboard that follow the group's new floor.
    expect(changed.sort()).toEqual([
      expect.stringMatching(/^Standby\/FleetGroupASG[0-9A-F]{8}$/),
      expect.stringMatching(/^Standby\/MonitoringDashboard[0-9A-F]{8}$/),
      expect.stringMatching(/^Standby\/MonitoringFleetBelowFloor[0-9A-F]{8}$/),
    ]);
  });

  test('keeps the standby fleet at the capacity the runbook scaled it to, still without a desired capacity', () => {
    const [group] = Object.values(
      failedOver.template(failedOver.platform.standby).findResources('AWS::AutoScaling::AutoScalingGroup'),
    ) as { Properties: Record<string, unknown> }[];

    expect(group.Properties).toMatchObject({
      MinSize: String(normal.config.primary.fleet.minCapacity),
      MaxSize: String(normal.config.primary.fleet.maxCapacity),
    });
    expect(group.Properties).not.toHaveProperty('DesiredCapacity');
    expect(failedOver.config.standby.fleet.minCapacity).toBe(50);
  });
});

test('servingRegion accepts only primary or standby, naming the key', () => {
  expect(() => buildPlatform({ context: { servingRegion: 'us-west-2' } })).toThrow(
    /servingRegion: got "us-west-2"; allowed: primary \(normal operation\) or standby/,
  );
});
