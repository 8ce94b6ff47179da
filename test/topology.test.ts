import { App, CfnOutput, Fn, Stack, Token } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { findCrossRegionReferences } from './helpers/cross-region';
import { platformFor } from './helpers/platform';

process.env.CDK_VALIDATION = 'false';

describe.each(['production', 'development'] as const)('stack topology of the %s profile', (profile) => {
  const build = platformFor(profile);
  const { standbyFoundation, primary, standby, edge } = build.platform;
  const assembly = build.app.synth();

  test('every stack has an explicit account and region', () => {
    expect(
      build.stacks.map((stack) => [stack.node.id, stack.resolve(stack.account), stack.resolve(stack.region)]),
    ).toEqual([
      ['StandbyFoundation', build.config.account, 'us-west-2'],
      ['Primary', build.config.account, 'us-east-1'],
      ['Standby', build.config.account, 'us-west-2'],
      ['Edge', build.config.account, 'us-east-1'],
    ]);
  });

  test('stack names carry the profile prefix', () => {
    expect(build.stacks.map((stack) => stack.stackName)).toEqual(
      ['standby-foundation', 'primary', 'standby', 'edge'].map((part) => `${build.config.stackNamePrefix}-${part}`),
    );
  });

  test('dependencies express the deploy order: foundation, primary, standby, edge', () => {
    const deps = (stack: Stack) => stack.dependencies.map((d) => d.node.id).sort();

    expect(deps(standbyFoundation)).toEqual([]);
    expect(deps(primary)).toEqual(['StandbyFoundation']);
    expect(deps(standby)).toEqual(['Primary', 'StandbyFoundation']);
    expect(deps(edge)).toEqual(['Primary', 'Standby']);
  });

  test('no us-west-2 template references a value of a us-east-1 stack', () => {
    expect(findCrossRegionReferences(assembly, 'us-west-2')).toEqual([]);
  });

  test('no us-east-1 template references a value of a us-west-2 stack either (names cross, values do not)', () => {
    expect(findCrossRegionReferences(assembly, 'us-east-1')).toEqual([]);
  });

  test('every stack writes a template', () => {
    expect(assembly.stacks.map((artifact) => artifact.id).sort()).toEqual([
      'Edge',
      'Primary',
      'Standby',
      'StandbyFoundation',
    ]);
  });
});

describe('the cross-region reference check', () => {
  test('catches a us-west-2 stack reading a us-east-1 value through CDK cross-region references', () => {
    const app = new App();
    const east = new Stack(app, 'East', {
      env: { account: '123456789012', region: 'us-east-1' },
      crossRegionReferences: true,
    });
    const west = new Stack(app, 'West', {
      env: { account: '123456789012', region: 'us-west-2' },
      crossRegionReferences: true,
    });
    const bucket = new s3.Bucket(east, 'Bucket');
    new ssm.StringParameter(west, 'BucketName', { stringValue: bucket.bucketName });

    const found = findCrossRegionReferences(app.synth(), 'us-west-2');

    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toMatchObject({ stack: 'West', region: 'us-west-2' });
  });

  test('catches a us-west-2 stack importing an export of a us-east-1 stack', () => {
    const app = new App();
    const east = new Stack(app, 'East', { env: { account: '123456789012', region: 'us-east-1' } });
    const west = new Stack(app, 'West', { env: { account: '123456789012', region: 'us-west-2' } });
    new CfnOutput(east, 'Out', { value: 'x', exportName: 'east-value' });
    new ssm.StringParameter(west, 'Imported', { stringValue: Fn.importValue('east-value') });

    expect(findCrossRegionReferences(app.synth(), 'us-west-2')).toEqual([
      { stack: 'West', region: 'us-west-2', detail: 'Fn::ImportValue "east-value" exported in us-east-1' },
    ]);
  });

  test('catches a us-west-2 template reading a stack output of a us-east-1 stack', () => {
    const app = new App();
    const west = new Stack(app, 'West', { env: { account: '123456789012', region: 'us-west-2' } });
    new ssm.StringParameter(west, 'Read', {
      stringValue: Token.asString({
        'Fn::GetStackOutput': { StackName: 'East', Region: 'us-east-1', OutputName: 'X' },
      }),
    });

    expect(findCrossRegionReferences(app.synth(), 'us-west-2')).toEqual([
      { stack: 'West', region: 'us-west-2', detail: 'Fn::GetStackOutput of "East" in "us-east-1"' },
    ]);
  });

  test('accepts an import of an export from the same region', () => {
    const app = new App();
    const a = new Stack(app, 'A', { env: { account: '123456789012', region: 'us-west-2' } });
    const b = new Stack(app, 'B', { env: { account: '123456789012', region: 'us-west-2' } });
    new CfnOutput(a, 'Out', { value: 'x', exportName: 'west-value' });
    new ssm.StringParameter(b, 'Imported', { stringValue: Fn.importValue('west-value') });

    expect(findCrossRegionReferences(app.synth(), 'us-west-2')).toEqual([]);
  });
});
