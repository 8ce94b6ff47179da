import { platformFor } from './helpers/platform';

process.env.CDK_VALIDATION = 'false';

type Resource = {
  Type: string;
  Properties?: {
    RetentionInDays?: number;
    KmsKeyId?: unknown;
    LogGroupName?: string;
    LoggingConfig?: { LogGroup?: { Ref?: string } };
    HostedRotationLambda?: { RotationLambdaName?: string };
  };
  DependsOn?: string[];
};

/**
 * Every log group of every stack is declared in the template with a retention and the region's
 * logs key: the explicit ones, and the ones a Lambda function or a hosted rotation would otherwise
 * create on first run (never expiring, unencrypted).
 */
describe.each(['production', 'development'] as const)('log groups of the %s profile', (profile) => {
  const build = platformFor(profile);
  const templates = build.stacks.map(
    (stack) => [stack.node.id, build.template(stack).toJSON().Resources as Record<string, Resource>] as const,
  );

  test.each(templates)('%s: every log group has a retention and a KMS key', (_stack, resources) => {
    const groups = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Logs::LogGroup');
    for (const [logicalId, group] of groups) {
      expect([logicalId, typeof group.Properties?.RetentionInDays]).toEqual([logicalId, 'number']);
      expect([logicalId, group.Properties?.KmsKeyId]).toEqual([logicalId, expect.anything()]);
    }
  });

  test.each(templates)('%s: every Lambda function logs to a log group of its own template', (_stack, resources) => {
    const functions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    for (const [logicalId, fn] of functions) {
      const target = fn.Properties?.LoggingConfig?.LogGroup?.Ref ?? '';
      expect([logicalId, resources[target]?.Type]).toEqual([logicalId, 'AWS::Logs::LogGroup']);
    }
  });

  test.each(templates)(
    '%s: every hosted rotation function has its log group before its first rotation',
    (_stack, resources) => {
      const schedules = Object.entries(resources).filter(
        ([, r]) => r.Type === 'AWS::SecretsManager::RotationSchedule' && r.Properties?.HostedRotationLambda,
      );
      for (const [logicalId, schedule] of schedules) {
        const name = schedule.Properties?.HostedRotationLambda?.RotationLambdaName;
        const group = Object.entries(resources).find(
          ([, r]) => r.Type === 'AWS::Logs::LogGroup' && r.Properties?.LogGroupName === `/aws/lambda/${name}`,
        );
        expect([logicalId, typeof name, group?.[0] !== undefined]).toEqual([logicalId, 'string', true]);
        expect(schedule.DependsOn).toEqual(expect.arrayContaining([group?.[0]]));
      }
    },
  );

  test('the primary rotates the database secret, so the rotation check is not vacuous', () => {
    const primary = templates.find(([id]) => id === 'Primary')?.[1] ?? {};
    const schedules = Object.values(primary).filter((r) => r.Type === 'AWS::SecretsManager::RotationSchedule');
    const functions = Object.values(primary).filter((r) => r.Type === 'AWS::Lambda::Function');

    expect(schedules).toHaveLength(1);
    expect(functions.length).toBeGreaterThanOrEqual(2);
  });
});
