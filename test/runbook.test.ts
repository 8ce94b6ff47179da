import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, type CfnElement, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { loadConfig } from '../lib/config/load';
import { PlatformNames } from '../lib/names';
import { FailoverRunbook, type FailoverRunbookProps, failoverRunbookPropsFromConfig } from '../lib/runbook';
import { HAPPY_PATH_STATES, RUNBOOK_STEPS, STEP_STATE_NAMES } from '../lib/runbook-steps';
import { CDK_JSON_CONTEXT } from './helpers/platform';

process.env.CDK_VALIDATION = 'false';

const config = loadConfig((key) => ({ ...CDK_JSON_CONTEXT, profile: 'production' })[key]);
const names = new PlatformNames(config);

/** The runbook in a stack of its own in the standby region, as the standby stack will hold it. */
function synthesize(overrides: Partial<FailoverRunbookProps> = {}) {
  const app = new App({ context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'Standby', { env: { account: config.account, region: 'us-west-2' } });
  // Health check ids come from CloudFormation: a token must do.
  const healthCheckId = new CfnParameter(stack, 'PrimaryHealthCheckId', { type: 'String' }).valueAsString;
  const runbook = new FailoverRunbook(stack, 'FailoverRunbook', {
    ...failoverRunbookPropsFromConfig(config, {
      primaryHealthCheckId: healthCheckId,
      dbInstanceIdentifier: 'photo-prod-db-replica',
      autoScalingGroupName: 'photo-prod-standby-fleet',
      logsKey: new kms.Key(stack, 'LogsKey'),
    }),
    ...overrides,
  });
  return { app, stack, runbook, template: Template.fromStack(stack) };
}

const built = synthesize();
const { template } = built;

interface AslState {
  Type: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Next: string }[];
  Retry?: { ErrorEquals: string[]; IntervalSeconds?: number; MaxAttempts?: number; BackoffRate?: number }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  Resource?: string;
  Parameters?: Record<string, unknown>;
  Seconds?: number;
  Error?: string;
}

/** The state machine's definition, with the CloudFormation tokens inside it replaced by a marker. */
function definition(): { StartAt: string; States: Record<string, AslState> } {
  const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0];
  const body = machine.Properties.DefinitionString;
  const text =
    typeof body === 'string'
      ? body
      : (body['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return JSON.parse(text);
}

const asl = definition();
const STEP_STATES = new Set<string>(Object.values(STEP_STATE_NAMES));
const lambdaTasks = Object.entries(asl.States).filter(([name, s]) => s.Type === 'Task' && STEP_STATES.has(name));

describe('placement and runtime', () => {
  test('the functions and the state machine live in us-west-2', () => {
    expect(Stack.of(built.runbook.stateMachine).region).toBe('us-west-2');
    for (const fn of Object.values(built.runbook.functions)) expect(Stack.of(fn).region).toBe('us-west-2');
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.resourceCountIs('AWS::Lambda::Function', RUNBOOK_STEPS.length);
  });

  test('every function runs the pinned Node.js 24 on arm64, outside any VPC', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    for (const fn of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties).not.toHaveProperty('VpcConfig');
      expect(fn.Properties.LoggingConfig.LogGroup).toBeDefined();
    }
  });

  /** Each step's function as staged in the cloud assembly: its asset directory, its handler file and export. */
  function stagedFunctions() {
    const assembly = built.app.synth();
    const resources = template.toJSON().Resources;
    return Object.entries(built.runbook.functions).map(([step, fn]) => {
      const resource = resources[built.stack.getLogicalId(fn.node.defaultChild as CfnElement)];
      const handler = resource.Properties.Handler as string;
      const assetPath = resource.Metadata['aws:asset:path'] as string;
      const dot = handler.lastIndexOf('.');
      return {
        step,
        handler,
        code: resource.Properties.Code,
        assetPath,
        dir: join(assembly.directory, assetPath),
        // Lambda's Node.js runtime looks for `<module>.js`, then `<module>.mjs`: the bundle holds only `.mjs`.
        file: `${handler.slice(0, dot)}.mjs`,
        exported: handler.slice(dot + 1),
      };
    });
  }

  /** Every file under `dir`, by its path inside it. */
  const filesIn = (dir: string) =>
    readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(dir, f)).isFile());

  test('all ten functions ship one asset, each running its own entry of it', () => {
    const functions = stagedFunctions();
    expect(functions).toHaveLength(RUNBOOK_STEPS.length);
    expect(new Set(functions.map((fn) => fn.assetPath)).size).toBe(1);
    expect(new Set(functions.map((fn) => JSON.stringify(fn.code))).size).toBe(1);
    expect(functions[0].code.S3Key).toMatch(/^[0-9a-f]{64}\.zip$/);
    for (const fn of functions) expect(fn.handler).toBe(`${fn.step}/index.handler`);
  });

  test('the asset is a real esbuild bundle with the SDK inside, at most 1 MiB', () => {
    const functions = stagedFunctions();
    const { dir } = functions[0];
    const files = filesIn(dir);
    for (const fn of functions) {
      expect(fn.file).toBe(`${fn.step}/index.mjs`);
      expect(files).toContain(fn.file);
    }
    expect(files.filter((f) => !f.endsWith('.mjs'))).toEqual([]);
    // The SDK is inside the bundle: every import is a Node.js builtin or a file of the asset, and nothing is
    // required (an ES module has no require; esbuild's shim for one throws). The only package named is the
    // optional CRT signer, in the SDK's message asking for it where SigV4a is used (not here).
    const outside: string[] = [];
    for (const file of files) {
      const code = readFileSync(join(dir, file), 'utf8');
      expect(code).not.toContain('Dynamic require of');
      for (const [, specifier] of code.matchAll(/\b(?:from|import)\s*\(?\s*"([^"]+)"/g)) {
        if (specifier.startsWith('node:')) continue;
        if (specifier.startsWith('.') && files.includes(join(dirname(file), specifier))) continue;
        outside.push(`${file}: import ${specifier}`);
      }
      for (const [, specifier] of code.matchAll(/require\s*\(\s*"([^"]+)"/g))
        outside.push(`${file}: require ${specifier}`);
    }
    expect(outside.filter((o) => !o.endsWith(' @aws-sdk/signature-v4-crt'))).toEqual([]);
    const bytes = files.reduce((total, f) => total + statSync(join(dir, f)).size, 0);
    expect(bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(built.app.synth().getStackByName(built.stack.stackName).environment.region).toBe('us-west-2');
  });

  test('each entry loads in a fresh node and answers a bad event with InvalidEvent, before any AWS call', () => {
    for (const { step, dir, file, exported } of stagedFunctions()) {
      const entry = pathToFileURL(join(dir, file)).href;
      const probe = `import(${JSON.stringify(entry)}).then((m) => m[${JSON.stringify(exported)}]({ dryRun: 'yes' })).then(
        () => process.stdout.write('resolved'),
        (e) => process.stdout.write(JSON.stringify({ name: e.name, message: e.message })))`;

      const out = spawnSync(process.execPath, ['-e', probe], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, AWS_REGION: 'us-west-2', POWERTOOLS_LOG_LEVEL: 'SILENT' },
      });

      expect(JSON.parse(out.stdout)).toEqual({
        name: 'InvalidEvent',
        message: expect.stringContaining(`${step}: invalid event`),
      });
    }
  });

  test('log groups are encrypted and expire', () => {
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(RUNBOOK_STEPS.length + 1);
    for (const group of groups) {
      expect(group.Properties.KmsKeyId).toBeDefined();
      expect(group.Properties.RetentionInDays).toBe(365);
    }
  });
});

describe('IAM', () => {
  /** Actions with no resource-level permission at all; each must be confined another way or be read-only. */
  const NO_RESOURCE_TYPE = new Set([
    'cloudwatch:GetMetricData',
    'autoscaling:DescribeAutoScalingGroups',
    'cloudwatch:PutMetricData',
    // Step Functions logging and X-Ray tracing, added by CDK for the state machine.
    'logs:CreateLogDelivery',
    'logs:GetLogDelivery',
    'logs:UpdateLogDelivery',
    'logs:DeleteLogDelivery',
    'logs:ListLogDeliveries',
    'logs:PutResourcePolicy',
    'logs:DescribeResourcePolicies',
    'logs:DescribeLogGroups',
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
    'xray:GetSamplingRules',
    'xray:GetSamplingTargets',
  ]);
  const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) =>
      policy.Properties.PolicyDocument.Statement as {
        Action: string | string[];
        Resource: unknown;
        Condition?: unknown;
        Sid?: string;
      }[],
  );

  test('no "*" resource on a mutating action, except where the API has no resource type', () => {
    const offenders = statements.flatMap((s) => {
      const actions = ([] as string[]).concat(s.Action);
      const resources = ([] as unknown[]).concat(s.Resource);
      if (!resources.includes('*')) return [];
      return actions.filter((a) => !NO_RESOURCE_TYPE.has(a)).map((a) => `${a} on *`);
    });
    expect(offenders).toEqual([]);
  });

  test('PutMetricData is confined to the runbook namespace by condition', () => {
    const puts = statements.filter((s) => ([] as string[]).concat(s.Action).includes('cloudwatch:PutMetricData'));
    // The switch and the report, and every step's failover-in-progress datapoint.
    expect(puts.filter((s) => s.Sid === 'PutMetrics')).toHaveLength(2);
    expect(puts.filter((s) => s.Sid === 'ReportInProgress')).toHaveLength(10);
    for (const s of puts) {
      expect(s.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': names.failoverMetricsNamespace() } });
    }
  });

  test.each([
    ['rds:PromoteReadReplica', ':rds:us-west-2:', ':db:photo-prod-db-replica'],
    ['rds:ModifyDBInstance', ':rds:us-west-2:', ':db:photo-prod-db-replica'],
    ['autoscaling:UpdateAutoScalingGroup', ':autoscaling:us-west-2:', 'autoScalingGroupName/photo-prod-standby-fleet'],
    ['cloudwatch:SetAlarmState', ':cloudwatch:us-west-2:', `:alarm:${names.failoverSwitchAlarmName()}`],
    ['route53:ChangeResourceRecordSets', ':route53:::hostedzone/', config.hostedZoneId],
  ])('%s is scoped to the named resource', (action, region, name) => {
    const found = statements.filter((s) => ([] as string[]).concat(s.Action).includes(action));
    expect(found).toHaveLength(1);
    const arns = JSON.stringify(found[0].Resource);
    expect(arns).toContain(region);
    expect(arns).toContain(name);
  });

  test('ssm:PutParameter reaches the write switch of both regions and nothing else', () => {
    const puts = statements.filter((s) => ([] as string[]).concat(s.Action).includes('ssm:PutParameter'));
    const text = JSON.stringify(puts.map((s) => s.Resource));
    expect(text).toContain(`:ssm:us-west-2:`);
    expect(text).toContain(`:ssm:us-east-1:`);
    expect(text.match(/parameter\/[^"]*/g)?.every((p) => p === `parameter${names.writeSwitchParameterName()}`)).toBe(
      true,
    );
  });

  test('record changes are limited to UPSERTs of the failover name', () => {
    const change = statements.find((s) =>
      ([] as string[]).concat(s.Action).includes('route53:ChangeResourceRecordSets'),
    );
    expect(change?.Condition).toEqual({
      'ForAllValues:StringEquals': {
        'route53:ChangeResourceRecordSetsNormalizedRecordNames': [names.originDomainName()],
        'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
      },
    });
  });

  test('no function uses a managed policy', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('state machine', () => {
  test('runs the steps in order along the happy path', () => {
    // Each state of the path is reachable from the one before through Choice, Pass and Wait states only.
    const named = new Set<string>(HAPPY_PATH_STATES);
    const next = (name: string): string[] => {
      const s = asl.States[name];
      return [s.Next, s.Default, ...(s.Choices ?? []).map((c) => c.Next)].filter((n): n is string => Boolean(n));
    };
    const reaches = (from: string, to: string): boolean => {
      const seen = new Set<string>();
      const queue = next(from);
      while (queue.length) {
        const current = queue.shift() as string;
        if (current === to) return true;
        if (seen.has(current) || named.has(current)) continue;
        seen.add(current);
        queue.push(...next(current));
      }
      return false;
    };
    for (let i = 1; i < HAPPY_PATH_STATES.length; i++) {
      expect(`${HAPPY_PATH_STATES[i - 1]} -> ${reaches(HAPPY_PATH_STATES[i - 1], HAPPY_PATH_STATES[i])}`).toBe(
        `${HAPPY_PATH_STATES[i - 1]} -> true`,
      );
    }
    expect(reaches(asl.StartAt, 'NotifyStart') || asl.StartAt === 'NotifyStart').toBe(true);
    expect(lambdaTasks.map(([name]) => name).sort()).toEqual(RUNBOOK_STEPS.map((s) => STEP_STATE_NAMES[s]).sort());
  });

  test.each(lambdaTasks.map(([name]) => name))(
    '%s retries throttling, transient and busy errors with backoff',
    (name) => {
      const retries = asl.States[name].Retry ?? [];
      const retry = (error: string) => retries.find((r) => r.ErrorEquals.includes(error));
      for (const error of ['TransientAwsError', 'Lambda.TooManyRequestsException', 'Lambda.ServiceException']) {
        expect(retry(error)?.BackoffRate).toBeGreaterThan(1);
      }
      expect(retry('ResourceBusy')?.IntervalSeconds).toBeGreaterThanOrEqual(10);
      expect(retries.some((r) => r.ErrorEquals.includes('InvalidEvent'))).toBe(false);
    },
  );

  test.each(lambdaTasks.map(([name]) => name))('%s reports a failure to SNS, then fails', (name) => {
    expect(asl.States[name].Catch).toEqual([
      expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'NotifyFailure' }),
    ]);
    expect(asl.States.NotifyFailure.Next).toBe('Failed');
    expect(asl.States.Failed.Type).toBe('Fail');
  });

  test.each(lambdaTasks.map(([name]) => name))('%s passes dryRun and the execution id through', (name) => {
    // With payloadResponseOnly the Task's Parameters are the Lambda event itself.
    const payload = asl.States[name].Parameters as Record<string, unknown>;
    expect(payload['dryRun.$']).toBe('$.run.dryRun');
    expect(payload['executionId.$']).toBe('$$.Execution.Id');
  });

  test('polling waits in Wait states, not in Lambda', () => {
    expect(asl.States.WaitForPromotion).toEqual({ Type: 'Wait', Seconds: 30, Next: 'CheckPromotion' });
    expect(asl.States.WaitToPromote).toEqual({ Type: 'Wait', Seconds: 30, Next: 'PromoteDatabase' });
    expect(asl.States.WaitForVerify).toEqual({ Type: 'Wait', Seconds: 15, Next: 'Verify' });
  });

  test('a no-go stops at a clear Fail after a notification', () => {
    const go = asl.States['Go?'];
    expect(go.Default).toBe('NotifyNoGo');
    expect(asl.States.NotifyNoGo.Next).toBe('NoGo');
    expect(asl.States.NoGo).toMatchObject({ Type: 'Fail', Error: 'NoGo', CausePath: '$.steps.preflight.summary' });
  });

  test('an input without a boolean dryRun stops before anything runs', () => {
    expect(asl.States['DryRunGiven?'].Default).toBe('InvalidInput');
    expect(asl.States.InvalidInput).toMatchObject({ Type: 'Fail', Error: 'InvalidInput' });
  });

  test('notifications at start, no-go, failure and end go to the encrypted topic', () => {
    for (const state of ['NotifyStart', 'NotifyNoGo', 'NotifyFailure', 'NotifyEnd']) {
      expect(asl.States[state].Resource).toContain(':sns:publish');
    }
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    // A failed notification never stops the runbook.
    expect(asl.States.NotifyStart.Catch?.[0].Next).toBe('Preflight');
    expect(asl.States.NotifyEnd.Catch?.[0].Next).toBe('Done');
  });

  test('logs every execution to an encrypted log group, with tracing', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: names.failoverRunbookStateMachineName(),
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      TracingConfiguration: { Enabled: true },
    });
  });
});

test('the switch alarm stays in ALARM once thrown (missing data keeps its state)', () => {
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: names.failoverSwitchAlarmName(),
    Namespace: names.failoverSwitchMetric().namespace,
    MetricName: names.failoverSwitchMetric().metricName,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'ignore',
  });
  Template.fromStack(synthesize({ createSwitchAlarm: false }).stack).resourceCountIs('AWS::CloudWatch::Alarm', 0);
});

describe('props', () => {
  test.each([
    [
      { capacity: { min: 50, desired: 600, max: 500 } },
      /capacity\.desired is 600; allowed: an integer from capacity\.min \(50\) to capacity\.max \(500\)/,
    ],
    [{ capacity: { min: 50, desired: 40, max: 30 } }, /capacity\.max is 30/],
    [
      { healthUrls: ['http://photos.example.com/health'] },
      /healthUrls\[0\] is "http:\/\/photos.example.com\/health"; allowed: an https URL/,
    ],
    [{ healthUrls: [] }, /healthUrls is \[\]; allowed: 1 to 4 URLs/],
    [{ backupRetentionDays: 0 }, /backupRetentionDays is 0; allowed: an integer from 1 to 35 days/],
    [
      { promotionTimeout: Duration.seconds(10) },
      /promotionTimeout \(seconds\) is 10; allowed: from 1 minute to 2 hours/,
    ],
    [{ primaryRegion: 'east' }, /primaryRegion is "east"/],
  ])('%j is refused with the prop, the value and what is allowed', (overrides, message) => {
    expect(() => synthesize(overrides as Partial<FailoverRunbookProps>)).toThrow(message);
  });
});
