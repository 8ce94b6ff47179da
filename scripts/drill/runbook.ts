/**
 * Runs the failover runbook's handlers in-process, in the state machine's order and with its
 * choices (`lib/runbook.ts`): the same events (`staticStepFields` plus the execution's values),
 * the same polling loops (with a short wait instead of the Wait states' 30 s), the same stop on
 * no-go. The drill uses it against moto; nothing here talks to AWS itself.
 */

import * as checkPromotion from '../../lambda/check-promotion';
import * as enableMultiAz from '../../lambda/enable-multi-az';
import * as fenceWrites from '../../lambda/fence-writes';
import * as preflight from '../../lambda/preflight';
import * as promoteDatabase from '../../lambda/promote-database';
import * as report from '../../lambda/report';
import * as resumeWrites from '../../lambda/resume-writes';
import * as scaleFleet from '../../lambda/scale-fleet';
import type { StepResult } from '../../lambda/shared/step';
import * as switchTraffic from '../../lambda/switch-traffic';
import * as verify from '../../lambda/verify';
import { RUNBOOK_DEFAULTS } from '../../lib/runbook-defaults';
import {
  type RunbookRunInput,
  type RunbookStep,
  type RunbookTargets,
  STEP_STATE_KEYS,
  STEP_STATE_NAMES,
  staticStepFields,
} from '../../lib/runbook-steps';

export type StepHandler = (event: unknown) => Promise<StepResult>;
export type StepHandlers = Readonly<Record<RunbookStep, StepHandler>>;

/**
 * The handlers, by step. Their SDK clients resolve region, endpoint and credentials at their first
 * call, so the drill may set the environment after this module loads, as long as it is before a run.
 */
export const HANDLERS: StepHandlers = {
  preflight: preflight.handler,
  'fence-writes': fenceWrites.handler,
  'scale-fleet': scaleFleet.handler,
  'promote-database': promoteDatabase.handler,
  'check-promotion': checkPromotion.handler,
  'enable-multi-az': enableMultiAz.handler,
  'switch-traffic': switchTraffic.handler,
  'resume-writes': resumeWrites.handler,
  verify: verify.handler,
  report: report.handler,
};

/** One run: the states it went through, each step's last result, and the report. */
export interface RunbookRun {
  readonly executionId: string;
  readonly input: RunbookRunInput;
  readonly states: readonly string[];
  readonly steps: Readonly<Record<string, StepResult>>;
  readonly report: StepResult;
}

/** The run stopped at the preflight's no-go. */
export class NoGoError extends Error {
  constructor(readonly preflight: StepResult) {
    super(`no-go: ${preflight.summary}`);
    this.name = 'NoGo';
  }
}

const RETRYABLE = new Set(['TransientAwsError', 'ResourceBusy']);

export async function runRunbook(
  handlers: StepHandlers,
  targets: RunbookTargets,
  input: Partial<RunbookRunInput> & { dryRun: boolean },
  options: { executionId: string; pollMs?: number; maxPolls?: number },
): Promise<RunbookRun> {
  const run: RunbookRunInput = {
    planned: false,
    primaryDownConfirmed: false,
    maxReplicaLagSeconds: RUNBOOK_DEFAULTS.maxReplicaLagSeconds,
    switchMode: 'alarm',
    ...input,
  };
  const { executionId } = options;
  const pollMs = options.pollMs ?? 100;
  const maxPolls = options.maxPolls ?? 50;
  const fields = staticStepFields(targets);
  const states: string[] = [];
  const steps: Record<string, StepResult> = {};
  const executionStartedAt = new Date().toISOString();

  const invoke = async (step: RunbookStep, dynamic: Record<string, unknown> = {}): Promise<StepResult> => {
    states.push(STEP_STATE_NAMES[step]);
    const event = { dryRun: run.dryRun, executionId, ...fields[step], ...dynamic };
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await handlers[step](event);
        steps[STEP_STATE_KEYS[step]] = result;
        return result;
      } catch (error) {
        if (!RETRYABLE.has((error as Error).name) || attempt >= 3) throw error;
        await sleep(pollMs);
      }
    }
  };
  const details = <T>(result: StepResult) => result.details as T;

  states.push('NotifyStart');
  const preflight = await invoke('preflight', { input: run });
  if (!details<{ go: boolean }>(preflight).go) {
    states.push('NotifyNoGo', 'NoGo');
    throw new NoGoError(preflight);
  }
  await invoke('fence-writes', { primaryRequired: run.planned });
  const scaled = await invoke('scale-fleet');

  let promote = await invoke('promote-database');
  if (!run.dryRun) {
    for (let poll = 0; ; poll++) {
      if (poll >= maxPolls) throw new Error(`drill: the promotion was not done after ${maxPolls} polls`);
      const check = await invoke('check-promotion', {
        promotionRequested: details<{ promotionRequested: boolean }>(promote).promotionRequested,
        waitingSince: scaled.finishedAt,
      });
      const state = details<{ state: string }>(check).state;
      if (state === 'promoted') break;
      states.push(state === 'not-started' ? 'WaitToPromote' : 'WaitForPromotion');
      await sleep(pollMs);
      if (state === 'not-started') promote = await invoke('promote-database');
    }
  }
  await invoke('enable-multi-az');
  await invoke('switch-traffic', { mode: run.switchMode });
  const resumed = await invoke('resume-writes');

  for (let poll = 0; ; poll++) {
    const verify = await invoke('verify', { waitingSince: resumed.finishedAt });
    if (details<{ ready: boolean }>(verify).ready || run.dryRun) break;
    if (poll >= maxPolls) throw new Error(`drill: the standby was not verified after ${maxPolls} polls`);
    states.push('WaitForVerify');
    await sleep(pollMs);
  }
  const report = await invoke('report', { executionStartedAt, steps: { ...steps } });
  states.push('NotifyEnd');
  return { executionId, input: run, states, steps, report };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
