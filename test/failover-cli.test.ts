import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { loadConfig } from '../lib/config/load';
import { PlatformNames } from '../lib/names';
import { RUNBOOK_STEPS, STEP_STATE_KEYS, STEP_STATE_NAMES } from '../lib/runbook-steps';
import { MOTO_ACCOUNT_ID, type MotoServer, startMoto } from '../scripts/drill/moto';
import { describeEvent, describeFailure, main, parseFailoverArgs, runFailover } from '../scripts/failover/cli';
import { CDK_JSON_CONTEXT } from './helpers/platform';

const context = () => ({ ...CDK_JSON_CONTEXT });

describe('failures outside a run', () => {
  test('missing credentials say what to set', () => {
    // The SDK's credential chain names its error so; the message is its own.
    const error = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });

    expect(describeFailure(error)).toBe(
      "failover: Could not load credentials from any providers; set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) to credentials for us-west-2 that may start the runbook's state machine",
    );
  });

  test('any other error is printed as it is', () => {
    expect(describeFailure(new Error('ThrottlingException: Rate exceeded'))).toBe(
      'failover: ThrottlingException: Rate exceeded',
    );
    expect(describeFailure('plain')).toBe('failover: plain');
  });
});

describe('flags', () => {
  test('--dry-run starts a dry run of the state machine the config names', () => {
    const options = parseFailoverArgs(['--dry-run'], context);
    const names = new PlatformNames(loadConfig((key) => ({ ...CDK_JSON_CONTEXT })[key]));

    expect(options).toEqual({
      stateMachineArn: names.failoverRunbookStateMachineArn(),
      input: { dryRun: true },
      pollSeconds: 5,
      follow: true,
    });
    expect(options.stateMachineArn).toBe(
      'arn:aws:states:us-west-2:123456789012:stateMachine:photo-prod-failover-runbook',
    );
  });

  test('--execute with every option', () => {
    const options = parseFailoverArgs(
      [
        '--execute',
        '--planned',
        '--primary-down-confirmed',
        '--max-replica-lag-seconds',
        '300',
        '--switch',
        'records',
        '--profile',
        'development',
        '--account',
        '210987654321',
      ],
      context,
    );

    expect(options.input).toEqual({
      dryRun: false,
      planned: true,
      primaryDownConfirmed: true,
      maxReplicaLagSeconds: 300,
      switchMode: 'records',
    });
    expect(options.stateMachineArn).toBe(
      'arn:aws:states:us-west-2:210987654321:stateMachine:photo-dev-failover-runbook',
    );
  });

  test.each([
    [
      [],
      /--dry-run\/--execute: got nothing; allowed: exactly one of --dry-run \(check and plan\) or --execute \(fail over\)/,
    ],
    [['--dry-run', '--execute'], /--dry-run\/--execute: got "both"/],
    [['--execute', '--switch', 'dns'], /--switch: got "dns"; allowed: alarm .* or records/],
    [
      ['--execute', '--max-replica-lag-seconds', '1.5'],
      /--max-replica-lag-seconds: got "1.5"; allowed: an integer from 0 to 86400/,
    ],
    [['--execute', '--poll-seconds', '0'], /--poll-seconds: got "0"; allowed: an integer from 1 to 300/],
    [
      ['--execute', '--state-machine-arn', 'runbook'],
      /--state-machine-arn: got "runbook"; allowed: a state machine ARN/,
    ],
    [
      [
        '--execute',
        '--state-machine-arn',
        'arn:aws:states:us-west-2:123456789012:stateMachine:x',
        '--profile',
        'production',
      ],
      /--profile\/--account: got "production"; allowed: nothing with --state-machine-arn/,
    ],
    [['--execute', '--profile', 'staging'], /--profile: got "staging"; allowed: one of production, development/],
    [['--execute', '--account', '12'], /--account: got "12"; allowed: a 12-digit AWS account id/],
    [['--execute', '--bogus'], /--bogus: got "--bogus"; allowed: the flags of: npm run failover/],
  ])('%j is refused with the flag, the value and what is allowed', (argv, message) => {
    expect(() => parseFailoverArgs(argv, context)).toThrow(message);
  });

  test('bad flags exit 2 with the reason and the usage, before any AWS call', async () => {
    const lines: string[] = [];

    expect(await main(['--execute', '--switch', 'dns'], (line) => lines.push(line))).toBe(2);
    expect(lines[0]).toMatch(/^failover: --switch: got "dns"/);
    expect(lines[1]).toMatch(/^usage: npm run failover -- --dry-run \| --execute/);
  });
});

describe('against moto’s Step Functions', () => {
  let moto: MotoServer;
  let sfn: SFNClient;
  const saved = { ...process.env };

  let arn: string;
  beforeAll(async () => {
    moto = await startMoto();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'cli',
      AWS_SECRET_ACCESS_KEY: 'cli',
    });
    sfn = new SFNClient({ region: 'us-west-2' });
  }, 60_000);
  // moto 5.2's Step Functions fails every call after its first execution (it cannot deep-copy the
  // finished execution's lock), so each test starts from a reset server.
  beforeEach(async () => {
    await fetch(`${moto.endpoint}/moto-api/reset`, { method: 'POST' });
    // moto runs state machines (Pass, Choice, Wait, Fail...) only when asked to; Lambda tasks would need Docker.
    await fetch(`${moto.endpoint}/moto-api/config`, {
      method: 'POST',
      body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
    });
    arn = await standIn();
  });
  afterAll(async () => {
    await moto.stop();
    process.env = saved;
  });

  /**
   * A stand-in of the runbook with its state names, where each step is a Pass state returning a
   * step result shaped like the handlers' (moto cannot invoke Lambda functions without Docker).
   * A dry run goes through every step to the report; an execution stops at a no-go.
   */
  async function standIn(): Promise<string> {
    const states: Record<string, unknown> = {
      'Go?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.dryRun', BooleanEquals: true, Next: STEP_STATE_NAMES['fence-writes'] }],
        Default: 'NoGo',
      },
      Done: { Type: 'Succeed', OutputPath: '$.steps.report.details' },
      NoGo: { Type: 'Fail', Error: 'NoGo', Cause: 'no-go: the primary is healthy' },
    };
    RUNBOOK_STEPS.forEach((step, i) => {
      const next =
        step === 'preflight' ? 'Go?' : i + 1 < RUNBOOK_STEPS.length ? STEP_STATE_NAMES[RUNBOOK_STEPS[i + 1]] : 'Done';
      states[STEP_STATE_NAMES[step]] = {
        Type: 'Pass',
        Result: {
          step,
          action: 'checked',
          summary: `${step} stand-in`,
          durationMs: 1500,
          details:
            step === 'report'
              ? {
                  steps: [{ step: 'preflight', seconds: 1.5, action: 'checked', summary: 'go' }],
                  observedRpoSeconds: 2,
                  rpoSource: 'lag at promotion',
                  observedRtoSeconds: 12,
                  rtoBudgetSeconds: 900,
                }
              : {},
        },
        ResultPath: `$.steps.${STEP_STATE_KEYS[step]}`,
        Next: next,
      };
    });
    const out = await sfn.send(
      new CreateStateMachineCommand({
        name: 'photo-drill-failover-runbook',
        roleArn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/runbook`,
        definition: JSON.stringify({ StartAt: 'Preflight', States: states }),
      }),
    );
    return String(out.stateMachineArn);
  }

  test('follows a run step by step and prints the report', async () => {
    const lines: string[] = [];

    const code = await runFailover(
      { stateMachineArn: arn, input: { dryRun: true }, pollSeconds: 1, follow: true },
      (line) => lines.push(line),
      sfn,
    );

    expect(code).toBe(0);
    expect(lines[0]).toMatch(
      /^started arn:aws:states:us-west-2:111111111111:execution:photo-drill-failover-runbook:dry-run-/,
    );
    expect(lines).toContain('> Preflight');
    expect(lines).toContain('  Preflight: checked in 1.5 s: preflight stand-in');
    expect(lines).toContain('  Verify: checked in 1.5 s: verify stand-in');
    expect(lines).toContain('report:');
    expect(lines).toContain('  observed RPO: 2 s (lag at promotion)');
    expect(lines.at(-1)).toBe('execution SUCCEEDED');
  }, 60_000);

  test('a no-go ends with the reason and exit code 1', async () => {
    const lines: string[] = [];

    const code = await runFailover(
      { stateMachineArn: arn, input: { dryRun: false }, pollSeconds: 1, follow: true },
      (line) => lines.push(line),
      sfn,
    );

    expect(code).toBe(1);
    expect(lines).toContain('FAILED NoGo: no-go: the primary is healthy');
    expect(lines).not.toContain('> FenceWrites');
    expect(lines.at(-1)).toBe('execution FAILED');
  }, 60_000);
});

test('a Lambda error cause is shown as its message', () => {
  expect(
    describeEvent({
      id: 9,
      timestamp: new Date(),
      type: 'ExecutionFailed',
      executionFailedEventDetails: {
        error: 'StepTimedOut',
        cause: JSON.stringify({
          errorType: 'StepTimedOut',
          errorMessage: 'check-promotion: still a replica after 500 s',
        }),
      },
    }),
  ).toBe('FAILED StepTimedOut: check-promotion: still a replica after 500 s');
});
