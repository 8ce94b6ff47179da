import { afterFailover } from '../lib/config/load';
import { platformFor } from './helpers/platform';

process.env.CDK_VALIDATION = 'false';

describe.each(['production', 'development'] as const)('the failover runbook in the %s deployment', (profile) => {
  const build = platformFor(profile);
  const prefix = build.config.stackNamePrefix;
  const standby = build.template(build.platform.standby);
  const [machineId, machine] = Object.entries(standby.findResources('AWS::StepFunctions::StateMachine'))[0];
  const definition = JSON.stringify(machine.Properties.DefinitionString);

  test('lives in the standby stack only, in us-west-2', () => {
    expect(build.platform.standby.region).toBe('us-west-2');
    expect(machine.Properties.StateMachineName).toBe(`${prefix}-failover-runbook`);
    for (const stack of [build.platform.standbyFoundation, build.platform.primary, build.platform.edge]) {
      build.template(stack).resourceCountIs('AWS::StepFunctions::StateMachine', 0);
    }
    expect(machineId).toMatch(/^FailoverRunbookStateMachine/);
  });

  test("reads the primary's health from an observer check of its own, defined like the primary's endpoint check", () => {
    const primaryChecks = Object.values(
      build.template(build.platform.primary).findResources('AWS::Route53::HealthCheck'),
    );
    const endpoint = primaryChecks.find((check) => check.Properties.HealthCheckConfig.Type === 'HTTPS');
    const [[observerId, observer]] = Object.entries(standby.findResources('AWS::Route53::HealthCheck'));

    expect(observer.Properties.HealthCheckConfig).toEqual(endpoint?.Properties.HealthCheckConfig);
    expect(observer.Properties.HealthCheckConfig).toMatchObject({
      FullyQualifiedDomainName: `us-east-1.origin.${build.config.domainName}`,
      ResourcePath: '/health',
    });
    expect(definition).toContain(`"primaryHealthCheckId\\":\\"", {"Ref": "${observerId}"}`.replace(/ /g, ''));
  });

  test('scales the standby fleet to the bounds that the post-failover config keeps on redeploy', () => {
    const kept = afterFailover(build.config).standby.fleet;
    const groupId = Object.keys(standby.findResources('AWS::AutoScaling::AutoScalingGroup'))[0];

    expect(definition).toContain(`"autoScalingGroupName\\":\\"",{"Ref":"${groupId}"}`);
    expect(definition).toMatch(
      new RegExp(
        `\\\\"capacity\\\\":\\{\\\\"min\\\\":${kept.minCapacity},\\\\"desired\\\\":\\d+,\\\\"max\\\\":${kept.maxCapacity}\\}`,
      ),
    );
    expect(definition).toContain(`"dbInstanceIdentifier\\":\\"${prefix}-db-standby\\"`);
  });

  test("drives the standby foundation's switch alarm and creates no second one", () => {
    const foundation = build.template(build.platform.standbyFoundation);
    const switchAlarms = (template: typeof standby) =>
      Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter(
        (alarm) => alarm.Properties.AlarmName === `${prefix}-force-primary-unhealthy`,
      );

    expect(switchAlarms(foundation)).toHaveLength(1);
    expect(switchAlarms(standby)).toHaveLength(0);
    expect(definition).toContain(`"alarm\\":{\\"name\\":\\"${prefix}-force-primary-unhealthy\\"`);
  });
});

describe('the runbook holds the alarms a failover trips', () => {
  const build = platformFor('production');
  const standby = build.template(build.platform.standby);

  test("every step reports the metric that the standby's failover-in-progress alarm watches", () => {
    const steps = Object.entries(standby.findResources('AWS::Lambda::Function')).filter(([id]) =>
      id.startsWith('FailoverRunbookSteps'),
    );
    const inProgress = Object.values(standby.findResources('AWS::CloudWatch::Alarm')).filter(
      (alarm) => alarm.Properties.MetricName === 'FailoverInProgress',
    );

    expect(steps).toHaveLength(10);
    expect(inProgress).toHaveLength(1);
    const watched = inProgress[0].Properties;
    for (const [, fn] of steps) {
      const metric = JSON.parse(fn.Properties.Environment.Variables.FAILOVER_IN_PROGRESS_METRIC);
      expect(metric).toEqual({
        namespace: watched.Namespace,
        metricName: watched.MetricName,
        dimensions: Object.fromEntries(
          (watched.Dimensions as { Name: string; Value: string }[]).map((d) => [d.Name, d.Value]),
        ),
      });
    }
    expect(watched.Dimensions).toEqual([{ Name: 'Region', Value: 'us-west-2' }]);
  });
});
