/**
 * The on-call entry to the failover runbook: starts the state machine (StartExecution), follows
 * its history (GetExecutionHistory) and prints each step as it runs and the final report.
 *
 *   npm run failover -- --dry-run              # every check and the plan; changes nothing
 *   npm run failover -- --execute              # fail over to the standby region
 *
 * Options: --planned, --primary-down-confirmed, --max-replica-lag-seconds N, --switch alarm|records,
 * --state-machine-arn ARN (else built from the config: --profile, --account), --poll-seconds N,
 * --no-follow (start and print the execution ARN only).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DescribeExecutionCommand,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ConfigError } from '../../lib/config/errors';
import { loadConfig } from '../../lib/config/load';
import { PlatformNames } from '../../lib/names';
import { RUNBOOK_STEPS, STEP_STATE_KEYS, STEP_STATE_NAMES } from '../../lib/runbook-steps';

/** A flag the on-call command does not accept; the message names it, the value and what is allowed. */
export class UsageError extends Error {
  constructor(flag: string, value: unknown, allowed: string) {
    super(`${flag}: got ${value === undefined ? 'nothing' : JSON.stringify(value)}; allowed: ${allowed}`);
    this.name = 'UsageError';
  }
}

export interface FailoverOptions {
  readonly stateMachineArn: string;
  readonly input: {
    readonly dryRun: boolean;
    readonly planned?: boolean;
    readonly primaryDownConfirmed?: boolean;
    readonly maxReplicaLagSeconds?: number;
    readonly switchMode?: 'alarm' | 'records';
  };
  readonly pollSeconds: number;
  readonly follow: boolean;
}

const USAGE =
  'npm run failover -- --dry-run | --execute [--planned] [--primary-down-confirmed] [--max-replica-lag-seconds N] [--switch alarm|records] [--state-machine-arn ARN | --profile NAME --account ID] [--poll-seconds N] [--no-follow]';

/** Parses and checks the flags; throws `UsageError` naming the first bad one. */
export function parseFailoverArgs(argv: readonly string[], readContext = projectContext): FailoverOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    const text = (error as Error).message;
    const flag = /'(-{1,2}[\w-]+)/.exec(text)?.[1];
    throw new UsageError(flag ?? 'arguments', flag ?? argv.join(' '), `the flags of: ${USAGE} (${text})`);
  }
  const { values } = parsed;

  if (values['dry-run'] === values.execute) {
    throw new UsageError(
      '--dry-run/--execute',
      values['dry-run'] ? 'both' : undefined,
      'exactly one of --dry-run (check and plan) or --execute (fail over)',
    );
  }
  const integer = (flag: string, text: string | undefined, min: number, max: number): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(flag, text, `an integer from ${min} to ${max}`);
    return n;
  };
  const maxReplicaLagSeconds = integer('--max-replica-lag-seconds', values['max-replica-lag-seconds'], 0, 86_400);
  const pollSeconds = integer('--poll-seconds', values['poll-seconds'], 1, 300) ?? 5;
  const switchMode = values.switch;
  if (switchMode !== undefined && switchMode !== 'alarm' && switchMode !== 'records') {
    throw new UsageError(
      '--switch',
      switchMode,
      'alarm (the data-plane switch, the default) or records (rewrite the Route 53 records)',
    );
  }

  let stateMachineArn = values['state-machine-arn'];
  if (stateMachineArn !== undefined) {
    if (!/^arn:aws[\w-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[\w-]{1,80}$/.test(stateMachineArn)) {
      throw new UsageError(
        '--state-machine-arn',
        stateMachineArn,
        'a state machine ARN such as arn:aws:states:us-west-2:123456789012:stateMachine:photo-prod-failover-runbook',
      );
    }
    if (values.profile !== undefined || values.account !== undefined) {
      throw new UsageError(
        '--profile/--account',
        values.profile ?? values.account,
        'nothing with --state-machine-arn (the ARN names the account)',
      );
    }
  } else {
    const context: Record<string, unknown> = { ...readContext() };
    if (values.profile !== undefined) context.profile = values.profile;
    if (values.account !== undefined) context.account = values.account;
    try {
      stateMachineArn = new PlatformNames(loadConfig((key) => context[key])).failoverRunbookStateMachineArn();
    } catch (error) {
      if (error instanceof ConfigError) {
        const problem = error.problems[0];
        throw new UsageError(`--${problem.key}`, problem.value, problem.allowed);
      }
      throw error;
    }
  }

  return {
    stateMachineArn,
    input: {
      dryRun: values['dry-run'] === true,
      ...(values.planned ? { planned: true } : {}),
      ...(values['primary-down-confirmed'] ? { primaryDownConfirmed: true } : {}),
      ...(maxReplicaLagSeconds === undefined ? {} : { maxReplicaLagSeconds }),
      ...(switchMode === undefined ? {} : { switchMode }),
    },
    pollSeconds,
    follow: values['no-follow'] !== true,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      'dry-run': { type: 'boolean' },
      execute: { type: 'boolean' },
      planned: { type: 'boolean' },
      'primary-down-confirmed': { type: 'boolean' },
      'max-replica-lag-seconds': { type: 'string' },
      switch: { type: 'string' },
      'state-machine-arn': { type: 'string' },
      profile: { type: 'string' },
      account: { type: 'string' },
      'poll-seconds': { type: 'string' },
      'no-follow': { type: 'boolean' },
    },
  });
}

/** cdk.json's context with cdk.context.json over it, as `cdk synth` reads them. */
function projectContext(): Record<string, unknown> {
  const root = join(__dirname, '..', '..');
  const read = (file: string) =>
    existsSync(join(root, file)) ? JSON.parse(readFileSync(join(root, file), 'utf8')) : {};
  return { ...read('cdk.json').context, ...read('cdk.context.json') };
}

const STEP_BY_STATE = new Map(RUNBOOK_STEPS.map((step) => [STEP_STATE_NAMES[step], step]));

/** One line per event of interest: a step starting and its outcome, a wait, a failure, the end. */
export function describeEvent(event: HistoryEvent): string | undefined {
  const entered = event.stateEnteredEventDetails;
  const exited = event.stateExitedEventDetails;
  if (entered?.name && event.type?.endsWith('StateEntered')) {
    if (STEP_BY_STATE.has(entered.name)) return `> ${entered.name}`;
    if (event.type === 'WaitStateEntered') return `  ${entered.name}: waiting`;
    return undefined;
  }
  if (exited?.name && event.type?.endsWith('StateExited')) {
    const step = STEP_BY_STATE.get(exited.name);
    if (!step) return undefined;
    const result = JSON.parse(exited.output ?? '{}').steps?.[STEP_STATE_KEYS[step]] as
      | { action?: string; summary?: string; durationMs?: number }
      | undefined;
    if (!result) return `  ${exited.name} done`;
    return `  ${exited.name}: ${result.action} in ${((result.durationMs ?? 0) / 1000).toFixed(1)} s: ${result.summary}`;
  }
  if (event.type === 'TaskFailed' || event.type === 'LambdaFunctionFailed') {
    const details = event.taskFailedEventDetails ?? event.lambdaFunctionFailedEventDetails;
    return `  ! ${details?.error}: ${causeText(details?.cause)} (retried if the state's rules allow)`;
  }
  if (event.type === 'ExecutionFailed') {
    return `FAILED ${event.executionFailedEventDetails?.error}: ${causeText(event.executionFailedEventDetails?.cause)}`;
  }
  if (event.type === 'ExecutionTimedOut') return 'TIMED OUT';
  if (event.type === 'ExecutionAborted') return 'ABORTED';
  return undefined;
}

function causeText(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    return parsed.errorMessage ?? cause;
  } catch {
    return cause;
  }
}

/** The report the execution returns, as lines. */
export function formatReport(output: string | undefined): string[] {
  if (!output) return [];
  const report = JSON.parse(output) as {
    steps?: { step: string; seconds: number; action: string; summary: string }[];
    observedRpoSeconds?: number | null;
    observedRtoSeconds?: number;
    rtoBudgetSeconds?: number;
    rpoSource?: string;
  };
  return [
    'report:',
    ...(report.steps ?? []).map(
      (s) => `  ${s.step.padEnd(17)} ${s.seconds.toFixed(1).padStart(7)} s  ${s.action.padEnd(9)} ${s.summary}`,
    ),
    `  observed RPO: ${report.observedRpoSeconds == null ? 'unknown' : `${report.observedRpoSeconds} s (${report.rpoSource})`}`,
    `  observed RTO: ${report.observedRtoSeconds ?? '?'} s of the runbook (objective ${report.rtoBudgetSeconds ?? '?'} s; detection before the start is not included)`,
  ];
}

/** Starts the execution and, unless told not to, follows it to the end. Returns the exit code. */
export async function runFailover(
  options: FailoverOptions,
  write: (line: string) => void,
  sfn = new SFNClient({ region: options.stateMachineArn.split(':')[3] }),
): Promise<number> {
  const name = `${options.input.dryRun ? 'dry-run' : 'failover'}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const started = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: options.stateMachineArn, name, input: JSON.stringify(options.input) }),
  );
  const executionArn = String(started.executionArn);
  write(`started ${executionArn}`);
  write(`input ${JSON.stringify(options.input)}`);
  if (!options.follow) return 0;

  let lastEventId = 0;
  let printedFailure = false;
  const printNewEvents = async () => {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }));
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    for (const event of events.filter((e) => (e.id ?? 0) > lastEventId)) {
      const line = describeEvent(event);
      if (line) write(line);
      if (event.type === 'ExecutionFailed') printedFailure = true;
      lastEventId = Math.max(lastEventId, event.id ?? 0);
    }
  };

  for (;;) {
    await printNewEvents();
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const status: ExecutionStatus | undefined = execution.status;
    if (status !== 'RUNNING' && status !== 'PENDING_REDRIVE') {
      // The execution may have ended between the history read and this one: read the rest.
      await printNewEvents();
      if (status === 'FAILED' && !printedFailure) write(`FAILED ${execution.error}: ${causeText(execution.cause)}`);
      if (status === 'SUCCEEDED') for (const line of formatReport(execution.output)) write(line);
      write(`execution ${status}`);
      return status === 'SUCCEEDED' ? 0 : 1;
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollSeconds * 1000));
  }
}

/** What the command prints when it fails outside a run: the error, and for missing credentials what to set. */
export function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === 'CredentialsProviderError') {
    return `failover: ${message}; set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) to credentials for us-west-2 that may start the runbook's state machine`;
  }
  return `failover: ${message}`;
}

/** The command: parse, run, exit code (2 for bad flags). */
export async function main(argv: readonly string[], write: (line: string) => void): Promise<number> {
  let options: FailoverOptions;
  try {
    options = parseFailoverArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    write(`failover: ${error.message}`);
    write(`usage: ${USAGE}`);
    return 2;
  }
  return runFailover(options, write);
}
