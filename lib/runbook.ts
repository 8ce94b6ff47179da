import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { PlatformConfig } from './config/types';
import { type FailoverInProgressMetric, PlatformNames } from './names';
import { runbookBundleDir, runbookHandler } from './runbook-bundle';
import { productionCapacity, RUNBOOK_DEFAULTS } from './runbook-defaults';
import {
  type FleetCapacity,
  IN_PROGRESS_METRIC_ENV,
  RUNBOOK_STEPS,
  type RunbookStep,
  type RunbookTargets,
  STEP_STATE_KEYS,
  STEP_STATE_NAMES,
  type SwitchMode,
  staticStepFields,
} from './runbook-steps';

/** The Lambda runtime of every step, pinned (the newest Node.js Lambda runs): a runtime change is a reviewed change. */
export const RUNBOOK_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Error names (from `lambda/shared/errors.ts`) the state machine retries, and how. */
export const RUNBOOK_RETRIES = {
  transient: ['TransientAwsError', 'Lambda.TooManyRequestsException'],
  busy: ['ResourceBusy'],
} as const;

/** Properties of {@link FailoverRunbook}. */
export interface FailoverRunbookProps {
  /** The region that failed over from, such as `us-east-1`: its write switch is fenced. */
  readonly primaryRegion: string;

  /**
   * Id of the Route 53 health check on the primary origin's `/health` (the endpoint check, not the
   * calculated one). A CloudFormation token from the edge stack's health check is fine.
   */
  readonly primaryHealthCheckId: string;

  /** Identifier of the standby region's read replica, the database the runbook promotes. */
  readonly dbInstanceIdentifier: string;

  /** Name of the standby fleet's Auto Scaling group (a token from `Fleet.autoScalingGroup` is fine). */
  readonly autoScalingGroupName: string;

  /**
   * The standby fleet's size after the failover, set in one call with min <= desired <= max.
   * `productionCapacity(config)` gives the primary's floor and initial size.
   */
  readonly capacity: FleetCapacity;

  /** Name of the write-switch SSM parameter, the same in both regions (`PlatformNames.writeSwitchParameterName`). */
  readonly writeSwitchParameterName: string;

  /** Name of the failover switch alarm in this region (`PlatformNames.failoverSwitchAlarmName`). */
  readonly switchAlarmName: string;

  /** Namespace of the metric the switch alarm watches (`PlatformNames.failoverSwitchMetric().namespace`). */
  readonly switchMetricNamespace: string;

  /**
   * Name of the metric the switch alarm watches (`PlatformNames.failoverSwitchMetric().metricName`).
   *
   * @default 'ForcePrimaryUnhealthy'
   */
  readonly switchMetricName?: string;

  /**
   * Create the switch alarm here: ALARM at a datapoint of 1 or more, and missing data keeps its
   * state, so the switch stays thrown until failback writes 0. The edge stack's CloudWatch-alarm
   * health check finds it by region and name (set its InsufficientDataHealthStatus to Healthy:
   * a new alarm has no data). Pass false when another construct owns the alarm.
   *
   * @default true
   */
  readonly createSwitchAlarm?: boolean;

  /** The Route 53 hosted zone holding the failover records (for the `records` fallback). */
  readonly hostedZoneId: string;

  /** Name of the PRIMARY/SECONDARY failover records, such as `origin.photos.example.com`. */
  readonly recordName: string;

  /**
   * `/health` URLs the verify step must find healthy: the public name and the standby's own
   * origin name, for example `https://photos.example.com/health`.
   */
  readonly healthUrls: readonly string[];

  /** CloudWatch namespace of the report's metrics (observed RTO and RPO, step durations). */
  readonly metricsNamespace: string;

  /** Key that encrypts the functions' and the state machine's log groups (the region's logs key). */
  readonly logsKey: kms.IKey;

  /**
   * The metric every step sets to 1 (and the report to 0), so that the standby's alarms a failover
   * trips hold their notifications while the runbook runs (`PlatformNames.failoverInProgressMetric`).
   *
   * @default - the runbook does not report that it runs, and no alarm is suppressed
   */
  readonly inProgressMetric?: FailoverInProgressMetric;

  /**
   * Name of the state machine. The on-call command builds its ARN from this name.
   *
   * @default - a name CloudFormation generates (the on-call command then needs `--state-machine-arn`)
   */
  readonly stateMachineName?: string;

  /**
   * Switch mode when the execution input names none: `alarm` (data plane) or `records` (Route 53
   * control plane).
   *
   * @default 'alarm'
   */
  readonly defaultSwitchMode?: SwitchMode;

  /**
   * Days of automated backups the promoted instance keeps (1 to 35).
   *
   * @default 30 (the seed's 30 days of snapshots)
   */
  readonly backupRetentionDays?: number;

  /**
   * Replica lag the promotion accepts when the execution input names none: the RPO budget.
   *
   * @default 60 seconds
   */
  readonly maxReplicaLagSeconds?: number;

  /**
   * A promotion still running after this long fails the execution (1 minute to 2 hours).
   *
   * @default Duration.minutes(7)
   */
  readonly promotionTimeout?: Duration;

  /**
   * Wait between two checks of the promotion.
   *
   * @default Duration.seconds(30)
   */
  readonly promotionPollInterval?: Duration;

  /**
   * Verification (healthy through every URL, the fleet at `capacity.min` in service) may take this
   * long (30 seconds to 2 hours).
   *
   * @default Duration.minutes(10)
   */
  readonly verifyTimeout?: Duration;

  /**
   * Wait between two verifications.
   *
   * @default Duration.seconds(15)
   */
  readonly verifyPollInterval?: Duration;

  /**
   * Each `GET /health` of the verify step gives up after this long (0.5 to 10 seconds).
   *
   * @default Duration.seconds(5)
   */
  readonly healthRequestTimeout?: Duration;

  /**
   * The recovery time objective the report compares the observed RTO with.
   *
   * @default Duration.minutes(15)
   */
  readonly rtoObjective?: Duration;

  /**
   * The whole execution stops after this long.
   *
   * @default Duration.minutes(60)
   */
  readonly executionTimeout?: Duration;

  /**
   * How long the log groups keep the runbook's logs.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Key that encrypts the notification topic.
   *
   * @default - a new key with rotation on
   */
  readonly notificationsKey?: kms.IKey;
}

/**
 * The regional failover runbook, deployed in the standby region: one Lambda function per step
 * (`lambda/`, bundled by `runbook-bundle.ts`, SDK inside, outside any VPC) and a Step Functions state machine
 * that runs them in order: preflight (go/no-go), fence writes, scale the fleet, promote the
 * database and poll it from Wait states, Multi-AZ on, switch traffic, resume writes, verify (also
 * polled) and report. Throttling and transient AWS errors are retried with backoff, a busy resource
 * with longer waits; a no-go stops at a `NoGo` Fail state. Start, every failure and the end are
 * published to an encrypted SNS topic.
 *
 * Start it with `{"dryRun": true}` (checks and plan, no change) or `{"dryRun": false}`; optional
 * input: `planned`, `primaryDownConfirmed`, `maxReplicaLagSeconds`, `switchMode`.
 */
export class FailoverRunbook extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: Readonly<Record<RunbookStep, lambda.Function>>;
  readonly notificationTopic: sns.Topic;
  readonly stateMachineLogGroup: logs.LogGroup;

  /** The failover switch alarm, unless `createSwitchAlarm` is false. */
  readonly switchAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: FailoverRunbookProps) {
    super(scope, id);
    validateProps(props);
    const stack = Stack.of(this);
    const retention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    const targets = runbookTargets(stack.region, props);

    const functions = {} as Record<RunbookStep, lambda.Function>;
    const steps = new Construct(this, 'Steps');
    // One asset for all ten functions, each running its own entry of it: CDK stages and uploads the bundle once.
    const code = lambda.Code.fromAsset(runbookBundleDir());
    for (const step of RUNBOOK_STEPS) {
      functions[step] = createStepFunction(steps, step, code, props.logsKey, retention);
    }
    this.functions = functions;
    this.grantStepPermissions(props, stack);
    if (props.inProgressMetric) this.reportInProgress(props.inProgressMetric);

    if (props.createSwitchAlarm ?? true) {
      this.switchAlarm = new cloudwatch.Alarm(this, 'SwitchAlarm', {
        alarmName: props.switchAlarmName,
        alarmDescription:
          'Failover switch: ALARM forces the primary region unhealthy in Route 53. Thrown by the failover runbook; failback writes 0 and sets it OK.',
        metric: new cloudwatch.Metric({
          namespace: props.switchMetricNamespace,
          metricName: props.switchMetricName ?? 'ForcePrimaryUnhealthy',
          statistic: cloudwatch.Stats.MAXIMUM,
          period: Duration.minutes(1),
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      });
    }

    const key =
      props.notificationsKey ??
      new kms.Key(this, 'NotificationsKey', {
        description: 'Encrypts the failover runbook notifications',
        enableKeyRotation: true,
        // A deleted key cannot decrypt what it encrypted, so even this one outlives its stack.
        removalPolicy: RemovalPolicy.RETAIN,
      });
    this.notificationTopic = new sns.Topic(this, 'Notifications', {
      displayName: 'Photo platform failover runbook',
      masterKey: key,
      enforceSSL: true,
    });

    this.stateMachineLogGroup = new logs.LogGroup(this, 'StateMachineLogs', {
      retention,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      comment: 'Regional failover of the photo platform to this region (input {"dryRun": true|false})',
      definitionBody: sfn.DefinitionBody.fromChainable(this.definition(targets, props)),
      timeout: props.executionTimeout ?? Duration.minutes(RUNBOOK_DEFAULTS.executionTimeoutMinutes),
      tracingEnabled: true,
      logs: { destination: this.stateMachineLogGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    // Publishing to a KMS-encrypted topic needs the key as well as sns:Publish.
    key.grant(this.stateMachine, 'kms:Decrypt', 'kms:GenerateDataKey');
  }

  /** Each function may do what its step does to the named resources, and nothing else. */
  private grantStepPermissions(props: FailoverRunbookProps, stack: Stack): void {
    const { account, region, partition } = stack;
    const dbArn = `arn:${partition}:rds:${region}:${account}:db:${props.dbInstanceIdentifier}`;
    const parameterPath = props.writeSwitchParameterName.startsWith('/')
      ? props.writeSwitchParameterName
      : `/${props.writeSwitchParameterName}`;
    const parameterArn = (r: string) => `arn:${partition}:ssm:${r}:${account}:parameter${parameterPath}`;
    const alarmArn = `arn:${partition}:cloudwatch:${region}:${account}:alarm:${props.switchAlarmName}`;
    const zoneArn = `arn:${partition}:route53:::hostedzone/${props.hostedZoneId}`;
    // The group's ARN holds a generated id; the name part confines it to the one group.
    const groupArn = `arn:${partition}:autoscaling:${region}:${account}:autoScalingGroup:*:autoScalingGroupName/${props.autoScalingGroupName}`;
    const allow = (
      step: RunbookStep,
      sid: string,
      actions: string[],
      resources: string[],
      conditions?: Record<string, unknown>,
    ) => this.functions[step].addToRolePolicy(new iam.PolicyStatement({ sid, actions, resources, conditions }));

    // Read-only calls without resource-level permissions (the service authorization reference
    // lists no resource type for them), so they take "*".
    const readMetrics = (step: RunbookStep) => allow(step, 'ReadMetrics', ['cloudwatch:GetMetricData'], ['*']);
    const describeGroups = (step: RunbookStep) =>
      allow(step, 'DescribeGroups', ['autoscaling:DescribeAutoScalingGroups'], ['*']);
    // PutMetricData has no resource type either; the namespace condition confines it.
    const putMetrics = (step: RunbookStep, namespace: string) =>
      allow(step, 'PutMetrics', ['cloudwatch:PutMetricData'], ['*'], {
        StringEquals: { 'cloudwatch:namespace': namespace },
      });

    allow(
      'preflight',
      'ReadPrimaryHealth',
      ['route53:GetHealthCheckStatus'],
      [`arn:${partition}:route53:::healthcheck/${props.primaryHealthCheckId}`],
    );
    allow('preflight', 'DescribeReplica', ['rds:DescribeDBInstances'], [dbArn]);
    readMetrics('preflight');
    describeGroups('preflight');
    allow('preflight', 'ReadWriteSwitch', ['ssm:GetParameter'], [parameterArn(region)]);
    allow('preflight', 'DescribeSwitchAlarm', ['cloudwatch:DescribeAlarms'], [alarmArn]);
    allow('preflight', 'ReadRecords', ['route53:ListResourceRecordSets'], [zoneArn]);

    allow('fence-writes', 'DescribeReplica', ['rds:DescribeDBInstances'], [dbArn]);
    allow(
      'fence-writes',
      'SetWriteSwitch',
      ['ssm:GetParameter', 'ssm:PutParameter'],
      [parameterArn(region), parameterArn(props.primaryRegion)],
    );

    describeGroups('scale-fleet');
    allow('scale-fleet', 'ScaleStandbyFleet', ['autoscaling:UpdateAutoScalingGroup'], [groupArn]);

    allow('promote-database', 'PromoteReplica', ['rds:DescribeDBInstances', 'rds:PromoteReadReplica'], [dbArn]);
    readMetrics('promote-database');
    allow('check-promotion', 'DescribeDatabase', ['rds:DescribeDBInstances'], [dbArn]);
    allow('enable-multi-az', 'ModifyDatabase', ['rds:DescribeDBInstances', 'rds:ModifyDBInstance'], [dbArn]);

    allow('switch-traffic', 'DriveSwitchAlarm', ['cloudwatch:DescribeAlarms', 'cloudwatch:SetAlarmState'], [alarmArn]);
    putMetrics('switch-traffic', props.switchMetricNamespace);
    allow('switch-traffic', 'ReadRecords', ['route53:ListResourceRecordSets'], [zoneArn]);
    allow('switch-traffic', 'UpsertFailoverRecords', ['route53:ChangeResourceRecordSets'], [zoneArn], {
      'ForAllValues:StringEquals': {
        'route53:ChangeResourceRecordSetsNormalizedRecordNames': [normalizeRecordName(props.recordName)],
        'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
      },
    });

    allow('resume-writes', 'SetWriteSwitch', ['ssm:GetParameter', 'ssm:PutParameter'], [parameterArn(region)]);
    describeGroups('verify');
    putMetrics('report', props.metricsNamespace);
  }

  /** Every step publishes the in-progress metric (lambda/shared/in-progress.ts), confined to its namespace. */
  private reportInProgress(metric: FailoverInProgressMetric): void {
    for (const fn of Object.values(this.functions)) {
      fn.addEnvironment(IN_PROGRESS_METRIC_ENV, JSON.stringify(metric));
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ReportInProgress',
          actions: ['cloudwatch:PutMetricData'],
          // PutMetricData has no resource type; the namespace condition confines it.
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': metric.namespace } },
        }),
      );
    }
  }

  private definition(targets: RunbookTargets, props: FailoverRunbookProps): sfn.IChainable {
    const fields = staticStepFields(targets);
    const promotionPoll = props.promotionPollInterval ?? Duration.seconds(RUNBOOK_DEFAULTS.promotionPollSeconds);
    const verifyPoll = props.verifyPollInterval ?? Duration.seconds(RUNBOOK_DEFAULTS.verifyPollSeconds);
    const at = (step: RunbookStep) => `$.steps.${STEP_STATE_KEYS[step]}`;

    const failed = new sfn.Fail(this, 'Failed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
    const notifyFailure = this.notify('NotifyFailure', 'Failover runbook failed', {
      event: 'failed',
      error: sfn.JsonPath.stringAt('$.error.Error'),
      cause: sfn.JsonPath.stringAt('$.error.Cause'),
    });
    notifyFailure.addCatch(failed, { resultPath: '$.notificationError' });
    notifyFailure.next(failed);

    const step = (name: RunbookStep, dynamic: Record<string, unknown> = {}) => {
      const task = new tasks.LambdaInvoke(this, STEP_STATE_NAMES[name], {
        lambdaFunction: this.functions[name],
        payload: sfn.TaskInput.fromObject({
          dryRun: sfn.JsonPath.stringAt('$.run.dryRun'),
          executionId: sfn.JsonPath.executionId,
          ...fields[name],
          ...dynamic,
        }),
        payloadResponseOnly: true,
        retryOnServiceExceptions: true,
        resultPath: at(name),
        taskTimeout: sfn.Timeout.duration(Duration.seconds(60)),
      });
      task.addRetry({
        errors: [...RUNBOOK_RETRIES.transient],
        interval: Duration.seconds(2),
        maxAttempts: 6,
        backoffRate: 2,
        maxDelay: Duration.seconds(30),
        jitterStrategy: sfn.JitterType.FULL,
      });
      task.addRetry({
        errors: [...RUNBOOK_RETRIES.busy],
        interval: Duration.seconds(20),
        maxAttempts: 10,
        backoffRate: 1.5,
        maxDelay: Duration.seconds(60),
      });
      task.addCatch(notifyFailure, { resultPath: '$.error' });
      return task;
    };

    const readInput = new sfn.Pass(this, 'ReadInput', {
      comment: 'The execution input over the defaults',
      parameters: {
        defaults: {
          planned: false,
          primaryDownConfirmed: false,
          maxReplicaLagSeconds: props.maxReplicaLagSeconds ?? RUNBOOK_DEFAULTS.maxReplicaLagSeconds,
          switchMode: props.defaultSwitchMode ?? 'alarm',
        },
        'given.$': '$',
      },
    });
    const applyDefaults = new sfn.Pass(this, 'ApplyDefaults', {
      parameters: {
        'run.$': 'States.JsonMerge($.defaults, $.given, false)',
        'executionStartedAt.$': '$$.Execution.StartTime',
        steps: {},
      },
    });
    const invalidInput = new sfn.Fail(this, 'InvalidInput', {
      error: 'InvalidInput',
      cause:
        'dryRun: got nothing or not a boolean; allowed: true (run every check and return the plan, change nothing) or false (fail over), as in {"dryRun": true}',
    });

    const notifyStart = this.notify('NotifyStart', 'Failover runbook started', {
      event: 'started',
      input: sfn.JsonPath.objectAt('$.run'),
    });
    const preflight = step('preflight', { input: sfn.JsonPath.objectAt('$.run') });
    notifyStart.addCatch(preflight, { resultPath: '$.notificationError' });

    const notifyNoGo = this.notify('NotifyNoGo', 'Failover runbook stopped: no-go', {
      event: 'no-go',
      reasons: sfn.JsonPath.listAt(`${at('preflight')}.details.noGo`),
    });
    const noGo = new sfn.Fail(this, 'NoGo', { error: 'NoGo', causePath: `${at('preflight')}.summary` });
    notifyNoGo.addCatch(noGo, { resultPath: '$.notificationError' });

    const fence = step('fence-writes', { primaryRequired: sfn.JsonPath.stringAt('$.run.planned') });
    const scale = step('scale-fleet');
    const promote = step('promote-database');
    const checkPromotion = step('check-promotion', {
      promotionRequested: sfn.JsonPath.stringAt(`${at('promote-database')}.details.promotionRequested`),
      // The promotion's time bound counts from the end of the step before it, so a second
      // promote-database (after a busy replica) does not restart the clock.
      waitingSince: sfn.JsonPath.stringAt(`${at('scale-fleet')}.finishedAt`),
    });
    const multiAz = step('enable-multi-az');
    const switchTraffic = step('switch-traffic', { mode: sfn.JsonPath.stringAt('$.run.switchMode') });
    const resume = step('resume-writes');
    const verify = step('verify', { waitingSince: sfn.JsonPath.stringAt(`${at('resume-writes')}.finishedAt`) });
    const report = step('report', {
      executionStartedAt: sfn.JsonPath.stringAt('$.executionStartedAt'),
      steps: sfn.JsonPath.objectAt('$.steps'),
    });

    const done = new sfn.Succeed(this, 'Done', { outputPath: `${at('report')}.details` });
    const notifyEnd = this.notify('NotifyEnd', 'Failover runbook finished', {
      event: 'finished',
      report: sfn.JsonPath.objectAt(`${at('report')}.details`),
    });
    notifyEnd.addCatch(done, { resultPath: '$.notificationError' });

    const waitToPromote = new sfn.Wait(this, 'WaitToPromote', { time: sfn.WaitTime.duration(promotionPoll) });
    const waitForPromotion = new sfn.Wait(this, 'WaitForPromotion', { time: sfn.WaitTime.duration(promotionPoll) });
    const waitForVerify = new sfn.Wait(this, 'WaitForVerify', { time: sfn.WaitTime.duration(verifyPoll) });
    const promotionState = `${at('check-promotion')}.details.state`;

    readInput
      .next(applyDefaults)
      .next(
        new sfn.Choice(this, 'DryRunGiven?')
          .when(
            sfn.Condition.and(sfn.Condition.isPresent('$.run.dryRun'), sfn.Condition.isBoolean('$.run.dryRun')),
            notifyStart,
          )
          .otherwise(invalidInput),
      );
    notifyStart.next(preflight);
    preflight.next(
      new sfn.Choice(this, 'Go?')
        .when(sfn.Condition.booleanEquals(`${at('preflight')}.details.go`, true), fence)
        .otherwise(notifyNoGo),
    );
    notifyNoGo.next(noGo);

    fence.next(scale);
    scale.next(promote);
    // A dry run promotes nothing, so there is nothing to wait for.
    promote.next(
      new sfn.Choice(this, 'DryRun?')
        .when(sfn.Condition.booleanEquals('$.run.dryRun', true), multiAz)
        .otherwise(checkPromotion),
    );
    checkPromotion.next(
      new sfn.Choice(this, 'Promoted?')
        .when(sfn.Condition.stringEquals(promotionState, 'promoted'), multiAz)
        .when(sfn.Condition.stringEquals(promotionState, 'not-started'), waitToPromote)
        .otherwise(waitForPromotion),
    );
    waitToPromote.next(promote);
    waitForPromotion.next(checkPromotion);

    multiAz.next(switchTraffic);
    switchTraffic.next(resume);
    resume.next(verify);
    verify.next(
      new sfn.Choice(this, 'Verified?')
        .when(
          sfn.Condition.or(
            sfn.Condition.booleanEquals(`${at('verify')}.details.ready`, true),
            sfn.Condition.booleanEquals('$.run.dryRun', true),
          ),
          report,
        )
        .otherwise(waitForVerify),
    );
    waitForVerify.next(verify);
    report.next(notifyEnd);
    notifyEnd.next(done);
    return readInput;
  }

  /** An SNS notification state; a failure to notify never stops the runbook (each caller catches it). */
  private notify(id: string, subject: string, message: Record<string, unknown>): tasks.SnsPublish {
    return new tasks.SnsPublish(this, id, {
      topic: this.notificationTopic,
      subject,
      message: sfn.TaskInput.fromObject({ ...message, executionId: sfn.JsonPath.executionId }),
      resultPath: sfn.JsonPath.DISCARD,
    });
  }
}

/** One step's function: its own role, its own encrypted log group, its entry in the shared bundle. */
function createStepFunction(
  scope: Construct,
  step: RunbookStep,
  code: lambda.Code,
  logsKey: kms.IKey,
  retention: logs.RetentionDays,
) {
  const id = STEP_STATE_NAMES[step];
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention,
    encryptionKey: logsKey,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  // An own role rather than the default one: the managed basic-execution policy would let the
  // function write to every log group of the account.
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Failover runbook step ${step}`,
  });
  logGroup.grantWrite(role);

  return new lambda.Function(scope, id, {
    code,
    handler: runbookHandler(step),
    description: `Failover runbook: ${step}`,
    runtime: RUNBOOK_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 256,
    timeout: Duration.seconds(30),
    role,
    logGroup,
    environment: { POWERTOOLS_SERVICE_NAME: 'failover-runbook', POWERTOOLS_LOG_LEVEL: 'INFO' },
  });
}

/** The targets the steps' events are built from, with the props' defaults applied. */
export function runbookTargets(standbyRegion: string, props: FailoverRunbookProps): RunbookTargets {
  return {
    primaryRegion: props.primaryRegion,
    standbyRegion,
    primaryHealthCheckId: props.primaryHealthCheckId,
    dbInstanceIdentifier: props.dbInstanceIdentifier,
    backupRetentionDays: props.backupRetentionDays ?? RUNBOOK_DEFAULTS.backupRetentionDays,
    autoScalingGroupName: props.autoScalingGroupName,
    capacity: props.capacity,
    writeSwitchParameterName: props.writeSwitchParameterName,
    switchAlarmName: props.switchAlarmName,
    switchMetricNamespace: props.switchMetricNamespace,
    hostedZoneId: props.hostedZoneId,
    recordName: props.recordName,
    healthUrls: props.healthUrls,
    healthRequestTimeoutMs: (
      props.healthRequestTimeout ?? Duration.millis(RUNBOOK_DEFAULTS.healthRequestTimeoutMs)
    ).toMilliseconds(),
    promotionTimeoutSeconds: (
      props.promotionTimeout ?? Duration.seconds(RUNBOOK_DEFAULTS.promotionTimeoutSeconds)
    ).toSeconds(),
    verifyTimeoutSeconds: (props.verifyTimeout ?? Duration.seconds(RUNBOOK_DEFAULTS.verifyTimeoutSeconds)).toSeconds(),
    metricsNamespace: props.metricsNamespace,
    rtoBudgetSeconds: (props.rtoObjective ?? Duration.seconds(RUNBOOK_DEFAULTS.rtoObjectiveSeconds)).toSeconds(),
  };
}

/**
 * The props that follow from the config and the deterministic names; the caller adds what other
 * tiers create (the health check id, the replica's identifier, the group name, the logs key).
 */
export function failoverRunbookPropsFromConfig(
  config: PlatformConfig,
  resources: Pick<
    FailoverRunbookProps,
    'primaryHealthCheckId' | 'dbInstanceIdentifier' | 'autoScalingGroupName' | 'logsKey'
  >,
): FailoverRunbookProps {
  const names = new PlatformNames(config);
  return {
    ...resources,
    primaryRegion: config.regions.primary.region,
    capacity: productionCapacity(config),
    writeSwitchParameterName: names.writeSwitchParameterName(),
    switchAlarmName: names.failoverSwitchAlarmName(),
    switchMetricNamespace: names.failoverSwitchMetric().namespace,
    switchMetricName: names.failoverSwitchMetric().metricName,
    hostedZoneId: config.hostedZoneId,
    recordName: names.originDomainName(),
    healthUrls: [`https://${config.domainName}/health`, `https://${names.regionalOriginDomainName('standby')}/health`],
    metricsNamespace: names.failoverMetricsNamespace(),
    stateMachineName: names.failoverRunbookStateMachineName(),
    inProgressMetric: names.failoverInProgressMetric('standby'),
  };
}

/** Route 53's normalized form of a record name: lowercase, without the trailing dot. */
function normalizeRecordName(name: string): string {
  return Token.isUnresolved(name) ? name : name.toLowerCase().replace(/\.$/, '');
}

/** Throws on the first prop the runbook cannot run with, naming it, its value and what is allowed. */
function validateProps(props: FailoverRunbookProps): void {
  const fail = (prop: string, value: unknown, allowed: string): never => {
    throw new Error(`FailoverRunbook: ${prop} is ${JSON.stringify(value)}; allowed: ${allowed}`);
  };
  const isInt = (v: number, min: number, max: number) => Number.isInteger(v) && v >= min && v <= max;

  const { min, desired, max } = props.capacity;
  if (![min, desired, max].some((v) => Token.isUnresolved(v))) {
    if (!isInt(min, 0, 10_000)) fail('capacity.min', min, 'an integer from 0 to 10000');
    if (!isInt(max, 1, 10_000) || max < min)
      fail('capacity.max', max, `an integer from capacity.min (${min}) to 10000`);
    if (!isInt(desired, min, max))
      fail('capacity.desired', desired, `an integer from capacity.min (${min}) to capacity.max (${max})`);
  }
  if (!Token.isUnresolved(props.primaryRegion) && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(props.primaryRegion)) {
    fail('primaryRegion', props.primaryRegion, 'an AWS region name such as us-east-1');
  }
  if (props.healthUrls.length < 1 || props.healthUrls.length > 4) {
    fail('healthUrls', props.healthUrls, '1 to 4 URLs');
  }
  for (const [i, url] of props.healthUrls.entries()) {
    if (!Token.isUnresolved(url) && !/^https:\/\/[^\s/]+(\/\S*)?$/.test(url)) {
      fail(`healthUrls[${i}]`, url, 'an https URL of /health, such as https://photos.example.com/health');
    }
  }
  const seconds = (d: Duration | undefined) => d?.toSeconds({ integral: false });
  const within = (prop: string, value: number | undefined, low: number, high: number, allowed: string) => {
    if (value !== undefined && !(value >= low && value <= high)) fail(prop, value, allowed);
  };
  if (props.backupRetentionDays !== undefined && !isInt(props.backupRetentionDays, 1, 35)) {
    fail('backupRetentionDays', props.backupRetentionDays, 'an integer from 1 to 35 days');
  }
  if (props.maxReplicaLagSeconds !== undefined && !isInt(props.maxReplicaLagSeconds, 0, 86_400)) {
    fail('maxReplicaLagSeconds', props.maxReplicaLagSeconds, 'an integer from 0 to 86400 seconds');
  }
  within('promotionTimeout (seconds)', seconds(props.promotionTimeout), 60, 7_200, 'from 1 minute to 2 hours');
  within('verifyTimeout (seconds)', seconds(props.verifyTimeout), 30, 7_200, 'from 30 seconds to 2 hours');
  within('healthRequestTimeout (seconds)', seconds(props.healthRequestTimeout), 0.5, 10, 'from 0.5 to 10 seconds');
  within(
    'promotionPollInterval (seconds)',
    seconds(props.promotionPollInterval),
    1,
    600,
    'from 1 second to 10 minutes',
  );
  within('verifyPollInterval (seconds)', seconds(props.verifyPollInterval), 1, 600, 'from 1 second to 10 minutes');
}
