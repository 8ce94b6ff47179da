import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { Type } from 'typebox';
import { secondsBetween } from './shared/aws';
import { StepTimedOutError } from './shared/errors';
import { CommonFields, Fields } from './shared/event';
import { describeFleet } from './shared/fleet';
import { defineStep } from './shared/step';

const autoscaling = new AutoScalingClient({});

const VerifyEvent = Type.Object(
  {
    ...CommonFields,
    healthUrls: Type.Array(
      Type.String({ pattern: '^https?://[^\\s/]+(/\\S*)?$', description: 'an http(s) URL of the /health endpoint' }),
      {
        minItems: 1,
        maxItems: 4,
        description: '1 to 4 http(s) URLs of /health: the public name and the standby origin',
      },
    ),
    requestTimeoutMs: Fields.integer(500, 10_000, ' milliseconds per request'),
    expectWritesEnabled: Fields.boolean('true when /health must report writesEnabled, else false'),
    autoScalingGroupName: Fields.name('the name of the standby Auto Scaling group'),
    minInService: Fields.integer(0, 10_000, ' (instances InService and Healthy before the run counts as done)'),
    waitingSince: Fields.timestamp(),
    timeoutSeconds: Fields.integer(30, 7_200, ' (how long verification may take)'),
  },
  { additionalProperties: false },
);

/** What one GET /health answered. */
export interface HealthProbe {
  readonly url: string;
  readonly ok: boolean;
  readonly httpStatus?: number;
  readonly status?: string;
  readonly writesEnabled?: boolean;
  readonly error?: string;
}

/**
 * Verify: the standby answers `GET /health` with 200 `healthy` (and writes enabled, once they are
 * resumed) through every URL (the public name, and the standby's own origin name), and its fleet
 * has `minInService` healthy instances. Polled by the state machine: not ready yet is `pending`,
 * not ready after `timeoutSeconds` from `waitingSince` is `StepTimedOut`. A dry run checks once
 * and reports, whatever it finds.
 */
export const handler = defineStep('verify', VerifyEvent, async (event) => {
  const [probes, fleet] = await Promise.all([
    Promise.all(event.healthUrls.map((url) => probe(url, event.requestTimeoutMs, event.expectWritesEnabled))),
    describeFleet(autoscaling, event.autoScalingGroupName),
  ]);
  const atCapacity = fleet.inService >= event.minInService;
  const ready = probes.every((p) => p.ok) && atCapacity;
  const waitedSeconds = secondsBetween(event.waitingSince);
  const failing = probes.filter((p) => !p.ok).map((p) => `${p.url}: ${p.error ?? `${p.httpStatus} ${p.status}`}`);
  const capacityText = `${fleet.inService}/${event.minInService} instances in service`;
  const details = { ready, probes, inService: fleet.inService, minInService: event.minInService, waitedSeconds };

  if (ready || event.dryRun) {
    return {
      action: 'checked' as const,
      summary: ready
        ? `standby healthy through ${probes.length} URL(s), ${capacityText}`
        : `standby not ready: ${[...failing, capacityText].join('; ')}`,
      details,
      phaseStartedAt: event.waitingSince,
    };
  }
  if (waitedSeconds > event.timeoutSeconds) {
    throw new StepTimedOutError(
      `standby not verified after ${waitedSeconds} s (bound ${event.timeoutSeconds} s): ${[...failing, capacityText].join('; ')}`,
    );
  }
  return {
    action: 'pending' as const,
    summary: `waiting: ${[...failing, capacityText].join('; ')}`,
    details,
    phaseStartedAt: event.waitingSince,
  };
});

async function probe(url: string, timeoutMs: number, expectWritesEnabled: boolean): Promise<HealthProbe> {
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json' },
    });
    const body = (await response.json().catch(() => ({}))) as { status?: unknown; writesEnabled?: unknown };
    const status = typeof body.status === 'string' ? body.status : undefined;
    const writesEnabled = typeof body.writesEnabled === 'boolean' ? body.writesEnabled : undefined;
    const healthy = response.status === 200 && status === 'healthy';
    const ok = healthy && (!expectWritesEnabled || writesEnabled === true);
    return {
      url,
      ok,
      httpStatus: response.status,
      status,
      writesEnabled,
      ...(healthy && !ok ? { error: 'healthy but writes are still disabled' } : {}),
    };
  } catch (error) {
    const e = error as Error;
    return { url, ok: false, error: e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : e.message };
  }
}
