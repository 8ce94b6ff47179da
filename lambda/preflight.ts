import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { RDSClient } from '@aws-sdk/client-rds';
import { GetHealthCheckStatusCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { type Static, Type } from 'typebox';
import { send } from './shared/aws';
import { assertCapacityOrdered, Capacity } from './shared/capacity';
import { describeDatabase, readReplicaLag } from './shared/database';
import { type RunbookError, TransientAwsError } from './shared/errors';
import { CommonFields, Fields } from './shared/event';
import { describeFleet } from './shared/fleet';
import { defineStep, logger } from './shared/step';
import { readFailoverPairs, SWITCH_MODES, SwitchTargets } from './switch-traffic';

// The Route 53 API is served from us-east-1, the region that may have failed: give up quickly and
// treat its silence as "unknown" rather than letting the runbook hang on it.
const route53 = new Route53Client({
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 5_000 },
});
const rds = new RDSClient({});
const cloudwatch = new CloudWatchClient({});
const autoscaling = new AutoScalingClient({});
const ssm = new SSMClient({});

/** Route 53 counts an endpoint healthy while more than this share of its checkers see it healthy. */
export const ROUTE53_HEALTHY_SHARE = 0.18;

/** The execution input after the state machine filled in the defaults. */
export const RunbookInput = Type.Object(
  {
    dryRun: Fields.boolean('true (run every check and return the plan, change nothing) or false (fail over)'),
    planned: Fields.boolean(
      'true (a planned switch with the primary up: its writes must be fenced and the lag known) or false (the primary failed)',
    ),
    primaryDownConfirmed: Fields.boolean(
      "true (on-call confirms the primary is down, whatever Route 53's checkers report) or false",
    ),
    maxReplicaLagSeconds: Fields.integer(0, 86_400, ' seconds of replica lag (data loss) the promotion may accept'),
    switchMode: Fields.oneOf(SWITCH_MODES),
  },
  {
    additionalProperties: false,
    description: 'the execution input {dryRun, planned?, primaryDownConfirmed?, maxReplicaLagSeconds?, switchMode?}',
  },
);
export type RunbookInput = Static<typeof RunbookInput>;

const PreflightEvent = Type.Object(
  {
    ...CommonFields,
    input: RunbookInput,
    primaryHealthCheckId: Fields.name("the id of the Route 53 health check on the primary origin's /health"),
    dbInstanceIdentifier: Fields.name('the identifier of the standby read replica'),
    autoScalingGroupName: Fields.name('the name of the standby Auto Scaling group'),
    capacity: Capacity,
    writeSwitchParameterName: Fields.name('the SSM parameter name of the write switch'),
    ...SwitchTargets,
  },
  { additionalProperties: false },
);
type PreflightEvent = Static<typeof PreflightEvent>;

/** One check's verdict: reasons not to go, things on-call should know, and what it saw. */
interface Finding<O> {
  readonly noGo: string[];
  readonly warnings: string[];
  readonly observed: O;
}

/**
 * Preflight, the go/no-go: is the primary really down as Route 53's checkers see it
 * (GetHealthCheckStatus), is the standby ready (the replica available and its lag from
 * CloudWatch ReplicaLag within the budget, the fleet serving, the write switch and the traffic
 * switch in place). Returns `go` with every reason against it; changes nothing, dry run or not.
 */
export const handler = defineStep('preflight', PreflightEvent, async (event) => {
  assertCapacityOrdered('preflight', event.capacity);

  const [primary, replica, fleet, writeSwitch, trafficSwitch] = await Promise.all([
    checkPrimary(event),
    checkReplica(event),
    checkFleet(event),
    checkWriteSwitch(event),
    checkTrafficSwitch(event),
  ]);
  const findings = [primary, replica, fleet, writeSwitch, trafficSwitch];
  const noGo = findings.flatMap((f) => f.noGo);
  const warnings = findings.flatMap((f) => f.warnings);
  const go = noGo.length === 0;
  for (const warning of warnings) logger.warn('preflight warning', { warning });

  return {
    action: 'checked',
    summary: go ? `go${warnings.length ? ` (warnings: ${warnings.join('; ')})` : ''}` : `no-go: ${noGo.join('; ')}`,
    details: {
      go,
      noGo,
      warnings,
      input: event.input,
      primary: primary.observed,
      replica: replica.observed,
      fleet: fleet.observed,
      writeSwitch: writeSwitch.observed,
      trafficSwitch: trafficSwitch.observed,
    },
  };
});

type PrimaryState = 'down' | 'healthy' | 'unknown';

async function checkPrimary(
  event: PreflightEvent,
): Promise<Finding<{ state: PrimaryState; healthyCheckers: number; checkers: number; error?: string }>> {
  const { planned, primaryDownConfirmed } = event.input;
  let observed: { state: PrimaryState; healthyCheckers: number; checkers: number; error?: string };
  try {
    const out = await send(`GetHealthCheckStatus ${event.primaryHealthCheckId}`, () =>
      route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: event.primaryHealthCheckId })),
    );
    const reports = out.HealthCheckObservations ?? [];
    const healthy = reports.filter((o) => o.StatusReport?.Status?.startsWith('Success')).length;
    const state: PrimaryState =
      reports.length === 0 ? 'unknown' : healthy / reports.length > ROUTE53_HEALTHY_SHARE ? 'healthy' : 'down';
    observed = { state, healthyCheckers: healthy, checkers: reports.length };
  } catch (error) {
    observed = { state: 'unknown', healthyCheckers: 0, checkers: 0, error: (error as RunbookError).message };
  }

  const seen = `${observed.healthyCheckers} of ${observed.checkers} Route 53 checkers report it healthy`;
  if (planned) {
    return {
      noGo: [],
      warnings: observed.state === 'down' ? [`planned switch, but the primary looks down (${seen})`] : [],
      observed,
    };
  }
  if (observed.state === 'down') return { noGo: [], warnings: [], observed };
  if (primaryDownConfirmed) {
    return {
      noGo: [],
      warnings: [`on-call confirmed the primary is down; Route 53 says ${observed.state} (${observed.error ?? seen})`],
      observed,
    };
  }
  return {
    noGo: [
      observed.state === 'healthy'
        ? `the primary is healthy (${seen}); for a planned switch start with planned: true`
        : `the primary's health is unknown (${observed.error ?? 'no checker reports'}); if it is down, start with primaryDownConfirmed: true`,
    ],
    warnings: [],
    observed,
  };
}

async function checkReplica(event: PreflightEvent) {
  const id = event.dbInstanceIdentifier;
  const observed: {
    status?: string;
    isReplica?: boolean;
    source?: string;
    lagSeconds: number | null;
    lagObservedAt: string | null;
  } = { lagSeconds: null, lagObservedAt: null };
  const noGo: string[] = [];
  const warnings: string[] = [];

  const db = await guard(noGo, () => describeDatabase(rds, id));
  if (!db) return { noGo, warnings, observed };
  Object.assign(observed, { status: db.status, isReplica: Boolean(db.replicaSource), source: db.replicaSource });

  if (!db.replicaSource) {
    // A re-run after the promotion: every later step sees its work done.
    if (!['available', 'modifying', 'backing-up'].includes(db.status))
      noGo.push(`${id} is standalone but ${db.status}`);
    else warnings.push(`${id} is already standalone (promoted earlier)`);
    return { noGo, warnings, observed };
  }
  if (db.status !== 'available') noGo.push(`replica ${id} is ${db.status}, not available`);

  const lag = await guard(noGo, () => readReplicaLag(cloudwatch, id));
  if (!lag) return { noGo, warnings, observed };
  observed.lagSeconds = lag.seconds;
  observed.lagObservedAt = lag.observedAt;
  const max = event.input.maxReplicaLagSeconds;
  if (lag.seconds === null) {
    const text = `no ReplicaLag datapoint for ${id} in the last 10 minutes`;
    if (event.input.planned) noGo.push(`${text}: a planned switch needs a known lag`);
    else warnings.push(`${text}; the observed RPO will be unknown`);
  } else if (lag.seconds > max) {
    noGo.push(
      `replica lag ${lag.seconds} s exceeds maxReplicaLagSeconds ${max} s (the RPO budget); to accept losing that much start with a larger maxReplicaLagSeconds`,
    );
  }
  return { noGo, warnings, observed };
}

async function checkFleet(event: PreflightEvent) {
  const noGo: string[] = [];
  const fleet = await guard(noGo, () => describeFleet(autoscaling, event.autoScalingGroupName));
  if (fleet && fleet.inService === 0) {
    noGo.push(`${event.autoScalingGroupName} has no healthy instance in service to take traffic`);
  }
  return {
    noGo,
    warnings: [],
    observed: fleet
      ? { min: fleet.min, desired: fleet.desired, max: fleet.max, inService: fleet.inService, target: event.capacity }
      : {},
  };
}

async function checkWriteSwitch(event: PreflightEvent) {
  const noGo: string[] = [];
  const warnings: string[] = [];
  const out = await guard(noGo, () =>
    send(`GetParameter ${event.writeSwitchParameterName}`, () =>
      ssm.send(new GetParameterCommand({ Name: event.writeSwitchParameterName })),
    ),
  );
  const value = out?.Parameter?.Value;
  if (out && value !== 'on' && value !== 'off')
    warnings.push(`write switch holds ${JSON.stringify(value)}, not on or off`);
  return { noGo, warnings, observed: { value: value ?? null } };
}

async function checkTrafficSwitch(event: PreflightEvent) {
  const noGo: string[] = [];
  if (event.input.switchMode === 'alarm') {
    const out = await guard(noGo, () =>
      send(`DescribeAlarms ${event.alarm.name}`, () =>
        cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [event.alarm.name], AlarmTypes: ['MetricAlarm'] })),
      ),
    );
    const alarm = out?.MetricAlarms?.find((a) => a.AlarmName === event.alarm.name);
    if (out && !alarm) noGo.push(`the failover switch alarm ${event.alarm.name} does not exist`);
    if (alarm && alarm.Namespace !== event.alarm.namespace) {
      noGo.push(`the switch alarm watches namespace ${alarm.Namespace}, not ${event.alarm.namespace}`);
    }
    return { noGo, warnings: [], observed: { mode: event.input.switchMode, alarmState: alarm?.StateValue ?? null } };
  }
  const pairs = await guard(noGo, () => readFailoverPairs(event.records.hostedZoneId, event.records.recordName));
  return {
    noGo,
    warnings: [],
    observed: { mode: event.input.switchMode, recordTypes: pairs?.map((p) => p.type) ?? [] },
  };
}

/**
 * Runs one read of a check. Throttling and other transient failures are thrown, for the state
 * machine to retry the whole preflight; any other failure becomes a no-go reason.
 */
async function guard<T>(noGo: string[], read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof TransientAwsError) throw error;
    noGo.push((error as Error).message);
    return undefined;
  }
}
