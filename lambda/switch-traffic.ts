import {
  CloudWatchClient,
  type ComparisonOperator,
  DescribeAlarmsCommand,
  type MetricAlarm,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { Type } from 'typebox';
import { send } from './shared/aws';
import { ResourceNotFoundError, UnexpectedStateError } from './shared/errors';
import { CommonFields, Fields } from './shared/event';
import { defineStep } from './shared/step';

const cloudwatch = new CloudWatchClient({});
const route53 = new Route53Client({});

/** Switch modes: `alarm` is the data-plane switch (the default), `records` the control-plane fallback. */
export const SWITCH_MODES: ['alarm', 'records'] = ['alarm', 'records'];
export type SwitchMode = (typeof SWITCH_MODES)[number];

export const SwitchTargets = {
  alarm: Type.Object(
    {
      name: Fields.name('the name of the failover switch alarm in the standby region'),
      namespace: Fields.name('the CloudWatch namespace of the metric the switch alarm watches'),
    },
    { additionalProperties: false, description: 'an object {name, namespace}' },
  ),
  records: Type.Object(
    {
      hostedZoneId: Fields.name('the Route 53 hosted zone id holding the failover records'),
      recordName: Fields.name('the name of the PRIMARY/SECONDARY failover records, such as origin.photos.example.com'),
    },
    { additionalProperties: false, description: 'an object {hostedZoneId, recordName}' },
  ),
};

const SwitchTrafficEvent = Type.Object(
  { ...CommonFields, mode: Fields.oneOf(SWITCH_MODES), ...SwitchTargets },
  { additionalProperties: false },
);

export interface AlarmSwitchDetails {
  readonly mode: 'alarm';
  readonly alarmName: string;
  readonly stateBefore: string;
  /** The value written to the alarm's metric. */
  readonly datapoint: number;
}

export interface RecordsSwitchDetails {
  readonly mode: 'records';
  readonly hostedZoneId: string;
  readonly recordName: string;
  /** What the PRIMARY records pointed at before the switch: failback restores these. */
  readonly previousPrimaryTargets: readonly Record<string, unknown>[];
  /** The records UPSERTed, as `TYPE set-identifier`. */
  readonly upserted: readonly string[];
  changeId?: string;
}

/**
 * Switch traffic to the standby.
 *
 * - `alarm` (default, data plane only, all in the standby region): writes a datapoint that breaches
 *   the failover switch alarm (PutMetricData) and sets the alarm to ALARM at once (SetAlarmState).
 *   A Route 53 CloudWatch-alarm health check watches that alarm and is a child of the primary's
 *   calculated health check, so the PRIMARY failover record turns unhealthy and Route 53 answers
 *   with the SECONDARY. The datapoint keeps the alarm in ALARM when CloudWatch re-evaluates it.
 * - `records` (explicit fallback, Route 53 control plane): reads the failover records with
 *   ListResourceRecordSets and UPSERTs each PRIMARY record with its SECONDARY's target, keeping
 *   its name, type, set identifier, health check and failover role. No record's role ever changes.
 */
export const handler = defineStep<typeof SwitchTrafficEvent, AlarmSwitchDetails | RecordsSwitchDetails>(
  'switch-traffic',
  SwitchTrafficEvent,
  async (event) => {
    return event.mode === 'alarm'
      ? switchByAlarm(event.alarm, event.executionId, event.dryRun)
      : switchByRecords(event.records, event.executionId, event.dryRun);
  },
);

async function switchByAlarm(alarm: { name: string; namespace: string }, executionId: string, dryRun: boolean) {
  const found = await send(`DescribeAlarms ${alarm.name}`, () =>
    cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarm.name], AlarmTypes: ['MetricAlarm'] })),
  );
  const metricAlarm = found.MetricAlarms?.find((a) => a.AlarmName === alarm.name);
  if (!metricAlarm) throw new ResourceNotFoundError(`DescribeAlarms found no metric alarm named ${alarm.name}`);
  if (metricAlarm.Namespace !== alarm.namespace || !metricAlarm.MetricName) {
    throw new UnexpectedStateError(
      `alarm ${alarm.name} watches ${metricAlarm.Namespace ?? 'a metric math expression'}/${metricAlarm.MetricName ?? ''}; the runbook may write only to namespace ${alarm.namespace}`,
    );
  }
  const value = breachingValue(metricAlarm);
  const before = metricAlarm.StateValue ?? 'unknown';
  const details: AlarmSwitchDetails = { mode: 'alarm', alarmName: alarm.name, stateBefore: before, datapoint: value };

  if (dryRun) {
    return {
      action: before === 'ALARM' ? ('unchanged' as const) : ('planned' as const),
      summary: `would write ${metricAlarm.MetricName}=${value} and set ${alarm.name} to ALARM (now ${before})`,
      details,
    };
  }

  // The datapoint is what keeps the alarm in ALARM; it is written on every run (idempotent in
  // effect). SetAlarmState only skips the wait for the next evaluation period.
  await send(`PutMetricData ${alarm.namespace}/${metricAlarm.MetricName}`, () =>
    cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: alarm.namespace,
        MetricData: [
          {
            MetricName: metricAlarm.MetricName,
            Dimensions: metricAlarm.Dimensions,
            Value: value,
            Timestamp: new Date(),
          },
        ],
      }),
    ),
  );
  if (before !== 'ALARM') {
    await send(`SetAlarmState ${alarm.name} ALARM`, () =>
      cloudwatch.send(
        new SetAlarmStateCommand({
          AlarmName: alarm.name,
          StateValue: 'ALARM',
          StateReason: `failover runbook ${executionId}: traffic switched to the standby region`,
        }),
      ),
    );
  }
  return {
    action: before === 'ALARM' ? ('unchanged' as const) : ('changed' as const),
    summary:
      before === 'ALARM'
        ? `${alarm.name} already ALARM (switch datapoint refreshed)`
        : `set ${alarm.name} to ALARM: the primary's health check turns unhealthy`,
    details,
  };
}

/** A value that puts `alarm` in ALARM under its comparison operator and threshold. */
export function breachingValue(alarm: Pick<MetricAlarm, 'ComparisonOperator' | 'Threshold' | 'AlarmName'>): number {
  const threshold = alarm.Threshold ?? 0;
  const byOperator: Partial<Record<ComparisonOperator, number>> = {
    GreaterThanOrEqualToThreshold: threshold,
    GreaterThanThreshold: threshold + 1,
    LessThanOrEqualToThreshold: threshold,
    LessThanThreshold: threshold - 1,
  };
  const value = alarm.ComparisonOperator ? byOperator[alarm.ComparisonOperator] : undefined;
  if (value === undefined) {
    throw new UnexpectedStateError(
      `alarm ${alarm.AlarmName} compares with ${alarm.ComparisonOperator ?? 'nothing'}; the switch supports GreaterThan(OrEqualTo)Threshold and LessThan(OrEqualTo)Threshold`,
    );
  }
  return value;
}

/** One failover record set's PRIMARY and SECONDARY of one type. */
interface FailoverPair {
  readonly type: string;
  readonly primary: ResourceRecordSet;
  readonly secondary: ResourceRecordSet;
}

async function switchByRecords(
  records: { hostedZoneId: string; recordName: string },
  executionId: string,
  dryRun: boolean,
) {
  const pairs = await readFailoverPairs(records.hostedZoneId, records.recordName);
  const changes = pairs.filter((p) => !sameTarget(p.primary, p.secondary)).map((p) => pointPrimaryAtSecondary(p));
  const details: RecordsSwitchDetails = {
    mode: 'records',
    hostedZoneId: records.hostedZoneId,
    recordName: records.recordName,
    previousPrimaryTargets: pairs.map((p) => ({ type: p.type, ...targetOf(p.primary) })),
    upserted: changes.map((c) => `${c.Type} ${c.SetIdentifier}`),
  };

  if (changes.length === 0) {
    return {
      action: 'unchanged' as const,
      summary: `the PRIMARY ${records.recordName} records already point at the standby`,
      details,
    };
  }
  if (dryRun) {
    return {
      action: 'planned' as const,
      summary: `would UPSERT ${details.upserted.join(', ')} of ${records.recordName} to the SECONDARY's target`,
      details,
    };
  }

  const out = await send(`ChangeResourceRecordSets ${records.hostedZoneId} ${records.recordName}`, () =>
    route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: records.hostedZoneId,
        ChangeBatch: {
          Comment: `failover runbook ${executionId}: PRIMARY points at the standby`,
          Changes: changes.map((record) => ({ Action: 'UPSERT', ResourceRecordSet: record })),
        },
      }),
    ),
  );
  details.changeId = out.ChangeInfo?.Id;
  return {
    action: 'changed' as const,
    summary: `UPSERTed ${details.upserted.join(', ')} of ${records.recordName} (change ${out.ChangeInfo?.Id ?? '?'} ${out.ChangeInfo?.Status ?? ''})`,
    details,
  };
}

/**
 * The PRIMARY and SECONDARY record of each type named `recordName`. Anything other than exactly
 * one of each per type is a zone the runbook refuses to rewrite.
 */
export async function readFailoverPairs(hostedZoneId: string, recordName: string): Promise<FailoverPair[]> {
  const wanted = normalizeName(recordName);
  const found: ResourceRecordSet[] = [];
  let start: { name?: string; type?: string; identifier?: string } = { name: wanted };
  for (let page = 0; page < 20; page++) {
    const out = await send(`ListResourceRecordSets ${hostedZoneId} ${recordName}`, () =>
      route53.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: hostedZoneId,
          StartRecordName: start.name,
          StartRecordType: start.type as never,
          StartRecordIdentifier: start.identifier,
        }),
      ),
    );
    const sets = out.ResourceRecordSets ?? [];
    found.push(...sets.filter((s) => normalizeName(s.Name ?? '') === wanted));
    const pastName = sets.some((s) => normalizeName(s.Name ?? '') !== wanted);
    if (!out.IsTruncated || pastName) break;
    start = { name: out.NextRecordName, type: out.NextRecordType, identifier: out.NextRecordIdentifier };
  }

  const failover = found.filter((s) => s.Failover);
  if (failover.length === 0) {
    throw new ResourceNotFoundError(`hosted zone ${hostedZoneId} has no failover records named ${recordName}`);
  }
  const types = [...new Set(failover.map((s) => String(s.Type)))];
  return types.map((type) => {
    const ofType = failover.filter((s) => s.Type === type);
    const primaries = ofType.filter((s) => s.Failover === 'PRIMARY');
    const secondaries = ofType.filter((s) => s.Failover === 'SECONDARY');
    if (primaries.length !== 1 || secondaries.length !== 1) {
      throw new UnexpectedStateError(
        `${recordName} ${type} has ${primaries.length} PRIMARY and ${secondaries.length} SECONDARY records; the runbook rewrites exactly one of each`,
      );
    }
    return { type, primary: primaries[0], secondary: secondaries[0] };
  });
}

/** The PRIMARY record with the SECONDARY's target; every other field, the role included, as it was. */
function pointPrimaryAtSecondary(pair: FailoverPair): ResourceRecordSet {
  const { AliasTarget, ResourceRecords, TTL, ...identity } = pair.primary;
  const record: ResourceRecordSet = { ...identity, Failover: pair.primary.Failover };
  if (pair.secondary.AliasTarget) record.AliasTarget = pair.secondary.AliasTarget;
  else {
    record.ResourceRecords = pair.secondary.ResourceRecords;
    record.TTL = pair.secondary.TTL;
  }
  return record;
}

function targetOf(record: ResourceRecordSet) {
  return record.AliasTarget
    ? {
        alias: {
          dnsName: normalizeName(record.AliasTarget.DNSName ?? ''),
          hostedZoneId: record.AliasTarget.HostedZoneId,
        },
      }
    : { values: (record.ResourceRecords ?? []).map((r) => r.Value), ttl: record.TTL };
}

function sameTarget(a: ResourceRecordSet, b: ResourceRecordSet): boolean {
  return JSON.stringify(targetOf(a)) === JSON.stringify(targetOf(b));
}

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
