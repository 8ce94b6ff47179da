import { type CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Cache } from './cache';
import {
  ALERT_NAMES,
  type AlertName,
  type AlertSeverity,
  type AlertWindowConfig,
  FAILOVER_EXPECTED_ALERTS,
  type MonitoringConfig,
} from './config/monitoring';
import type { PlatformConfig, RegionRole } from './config/types';
import { type Database, SLOW_QUERY_MILLISECONDS } from './database';
import type { Fleet } from './fleet';
import { SCRAPED_SERVICE_METRICS, SERVICE_METRICS_JOB } from './fleet-user-data';
import { PlatformNames } from './names';
import type { Search } from './search';
import type { Streaming } from './streaming';

/** CloudWatch caps the expression of one metric data query at this many characters. */
export const MAX_QUERY_LENGTH = 2048;

/** An alarm may use at most this many expressions (Metrics Insights queries count as expressions). */
const MAX_ALARM_EXPRESSIONS = 10;

/** Name of the metric the slow-statement filters publish, in `PlatformNames.databaseMetricsNamespace`. */
export const SLOW_QUERIES_METRIC = 'SlowQueries';

/** The composite alarms, each one incident's single notification. */
export type CompositeName = 'serviceUnhealthy' | 'serviceDegraded' | 'infrastructureDegraded';

/** Alarm name suffix of each composite (`PlatformNames.alarmName(role, suffix)`). */
export const COMPOSITE_ALARM_SUFFIXES: Readonly<Record<CompositeName, string>> = {
  serviceUnhealthy: 'service-unhealthy',
  serviceDegraded: 'service-degraded',
  infrastructureDegraded: 'infrastructure-degraded',
};

/** Properties of {@link RegionalMonitoring}. */
export interface RegionalMonitoringProps {
  /** Thresholds, windows and severities of the alerts, and the failover suppression (`config.<role>.monitoring`). */
  readonly config: MonitoringConfig;

  /** The region's role; names the alarms, topics and dashboard. */
  readonly role: RegionRole;

  /** The deployment's deterministic names (alarm, topic and dashboard names, the failover metric). */
  readonly names: PlatformNames;

  /** The ALB and Auto Scaling group of the service. */
  readonly fleet: Fleet;

  /** The group's floor (`fleet.minCapacity`): in the standby, the warm floor the failover runbook raises. */
  readonly fleetMinCapacity: number;

  /** PostgreSQL of the region; its `ReplicaLag` alarms join the composite alarms. */
  readonly database: Database;

  /** The RPO budget the replica-lag alarms hold to (`data.database.rpoBudgetSeconds`), drawn on the dashboard. */
  readonly rpoBudgetSeconds: number;

  /** Redis, cluster mode enabled. */
  readonly cache: Cache;

  /** MSK. */
  readonly streaming: Streaming;

  /** OpenSearch. */
  readonly search: Search;

  /**
   * Add the standby-readiness row to the dashboard (replica lag, in-service instances against the
   * warm floor, healthy targets, failover in progress).
   * @default - true in the standby role, false in the primary
   */
  readonly standbyReadiness?: boolean;

  /**
   * Alarms of other tiers of the region that feed `InfrastructureDegraded` (the media bucket's
   * replication alarms); they keep no actions of their own.
   *
   * @default - none
   */
  readonly infrastructureAlarms?: readonly cloudwatch.IAlarm[];
}

/**
 * Alarms, alert topics and the dashboard of one region.
 *
 * Every alert of the config becomes one CloudWatch alarm with no actions of its own; composite
 * alarms group them so that one incident notifies once:
 *
 * - `ServiceUnhealthy` (critical topic, pages): every critical alert, by default the design
 *   document's HighErrorRate and DatabaseDown;
 * - `ServiceDegraded` (warning topic): the warnings a failover is expected to trip (the standby's
 *   cold cache, its latency and CPU before the scale-out lands) and, in the standby, the lag of the
 *   replica the failover promotes;
 * - `InfrastructureDegraded` (warning topic): every other warning, and the in-region replicas' lag.
 *
 * `ServiceUnhealthy` and `ServiceDegraded` have the failover-in-progress alarm as actions
 * suppressor: while the runbook runs (`PlatformNames.failoverInProgressMetric`), and for the
 * configured extension after it, they change state without notifying; one still in alarm when the
 * suppression ends notifies then, so a failover that does not restore service still pages.
 *
 * Both topics are encrypted with a key of their own that admits CloudWatch alarms of this region
 * only. Subscribing the paging integration (and people) to them is left to operations, by topic
 * name (`PlatformNames.alertTopicName`).
 */
export class RegionalMonitoring extends Construct {
  /** Receives the pages: `ServiceUnhealthy` going into and out of alarm. */
  readonly criticalTopic: sns.Topic;

  /** Receives the warnings: `ServiceDegraded` and `InfrastructureDegraded`. */
  readonly warningTopic: sns.Topic;

  /** Encrypts both topics. */
  readonly alertsKey: kms.Key;

  /** One alarm per alert of the config, without actions of its own. */
  readonly alarms: Readonly<Record<AlertName, cloudwatch.Alarm>>;

  /** In alarm while the failover runbook runs; the actions suppressor of the composite alarms a failover trips. */
  readonly failoverInProgressAlarm: cloudwatch.Alarm;

  /** The composite alarms, each notifying its topic once per incident. */
  readonly composites: Readonly<Record<CompositeName, cloudwatch.CompositeAlarm>>;

  /** Count of statements slower than {@link SLOW_QUERY_MILLISECONDS}, from the PostgreSQL logs of every instance. */
  readonly slowQueriesMetric: cloudwatch.Metric;

  /** The region's dashboard: golden signals, data tier, business metrics and, in the standby, its readiness. */
  readonly dashboard: cloudwatch.Dashboard;

  private readonly props: RegionalMonitoringProps;

  constructor(scope: Construct, id: string, props: RegionalMonitoringProps) {
    super(scope, id);
    validateProps(props);
    this.props = props;
    const { names, role } = props;

    this.alertsKey = this.createAlertsKey();
    this.criticalTopic = this.createTopic('CriticalAlerts', 'critical');
    this.warningTopic = this.createTopic('WarningAlerts', 'warning');

    this.slowQueriesMetric = this.createSlowQueryFilters();
    const conditions = this.alertConditions();
    this.alarms = Object.fromEntries(
      ALERT_NAMES.map((name) => [name, this.createAlarm(name, conditions[name])]),
    ) as Record<AlertName, cloudwatch.Alarm>;
    this.failoverInProgressAlarm = this.createFailoverInProgressAlarm();
    this.composites = this.createComposites();

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: names.dashboardName(role),
      defaultInterval: Duration.hours(3),
    });
    // Known gap in the linter, not in the template: cfn-lint 1.51 has a dashboard schema older than
    // its Tags property, which CloudFormation accepts (CDK's L1 carries it). Only this resource
    // ignores only that check; drop it when cfn-lint knows the property.
    (this.dashboard.node.defaultChild as CfnResource).addMetadata('cfn-lint', { config: { ignore_checks: ['E3002'] } });
    this.addDashboardWidgets(props.standbyReadiness ?? role === 'standby');
  }

  /** Every metric the alarms watch, by alert: the condition, its comparison and what missing data means. */
  private alertConditions(): Record<AlertName, AlertCondition> {
    const { config, fleet, database, cache, streaming, search } = this.props;
    const alerts = config.alerts;
    const lb = fleet.loadBalancer.metrics;
    const group = fleet.autoScalingGroup.autoScalingGroupName;
    const period = (alert: AlertName) => Duration.seconds(alerts[alert].periodSeconds);
    const fleetNamespace = this.props.names.fleetMetricsNamespace();
    const dbIds = { DBInstanceIdentifier: database.instanceIdentifiers };
    const nodes = { CacheClusterId: cache.nodeClusterIds };
    const brokers = { 'Cluster Name': [streaming.cluster.clusterName as string] };

    return {
      // The ALB's 5xx (its own and its targets') over the requests it routed to the service: the target
      // group's RequestCount, not the load balancer's, which also counts the fixed 403s the listener
      // gives requests without the origin header (a flood of those would dilute the share). ALB publishes
      // no zero counts, so missing counts are zeros; the ALB's own 503s on requests it found no healthy
      // target for are not in RequestCount, so the ratio takes the larger of the two as its base and
      // stays within 0..1.
      highErrorRate: {
        metric: new cloudwatch.MathExpression({
          expression: 'IF(errors > 0, errors / MAX([requests, errors]), 0)',
          usingMetrics: {
            errors: new cloudwatch.MathExpression({
              expression: 'FILL(target5xx, 0) + FILL(elb5xx, 0)',
              usingMetrics: {
                target5xx: lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
                  statistic: cloudwatch.Stats.SUM,
                  period: period('highErrorRate'),
                }),
                elb5xx: lb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, {
                  statistic: cloudwatch.Stats.SUM,
                  period: period('highErrorRate'),
                }),
              },
              period: period('highErrorRate'),
            }),
            requests: new cloudwatch.MathExpression({
              expression: 'FILL(requestCount, 0)',
              usingMetrics: {
                requestCount: fleet.targetGroup.metrics.requestCount({
                  statistic: cloudwatch.Stats.SUM,
                  period: period('highErrorRate'),
                }),
              },
              period: period('highErrorRate'),
            }),
          },
          label: '5xx share of requests',
          period: period('highErrorRate'),
        }),
        threshold: alerts.highErrorRate.thresholdRatio,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        missing: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `More than ${percent(alerts.highErrorRate.thresholdRatio)} of requests answered with a 5xx`,
      },
      // The design document's `up{job="postgresql"} == 0` asks whether the database answers. The
      // service's health check answers exactly that: GET /health is 503 when, and only when, the
      // writer ping fails (app/src/routes/ops.ts), so when the database is down every target fails
      // its ALB health check and the count of healthy targets drops to zero. RDS's own metrics do not
      // say it: the host keeps publishing CPU and memory while PostgreSQL refuses connections, and
      // DatabaseConnections is zero on any idle replica too. The count also goes to zero (or goes
      // missing, breaching) when no instance runs at all, which is as much an outage.
      databaseDown: {
        metric: fleet.targetGroup.metrics.healthyHostCount({
          statistic: cloudwatch.Stats.MAXIMUM,
          period: period('databaseDown'),
        }),
        threshold: 1,
        comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        missing: cloudwatch.TreatMissingData.BREACHING,
        description:
          'No instance passes GET /health, which fails exactly when the service cannot reach the database ' +
          '(or when no instance runs)',
      },
      highLatency: {
        metric: lb.targetResponseTime({ statistic: 'p99', period: period('highLatency') }),
        threshold: alerts.highLatency.thresholdSeconds,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        missing: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `p99 of the targets' response time above ${alerts.highLatency.thresholdSeconds} s`,
      },
      // ElastiCache publishes hits and misses per node only; the queries sum them over every node of
      // the replication group. No lookups at all (an idle standby) counts as a full hit rate.
      lowCacheHitRate: {
        metric: this.cacheHitRate(period('lowCacheHitRate')),
        threshold: alerts.lowCacheHitRate.thresholdRatio,
        comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        missing: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `Redis hits below ${percent(alerts.lowCacheHitRate.thresholdRatio)} of lookups, over the whole cluster`,
      },
      fleetCpuHigh: {
        metric: new cloudwatch.Metric({
          namespace: 'AWS/EC2',
          metricName: 'CPUUtilization',
          dimensionsMap: { AutoScalingGroupName: group },
          statistic: cloudwatch.Stats.AVERAGE,
          period: period('fleetCpuHigh'),
        }),
        threshold: alerts.fleetCpuHigh.thresholdPercent,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        missing: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `Average CPU of the fleet above ${alerts.fleetCpuHigh.thresholdPercent} %: scaling out is not keeping up`,
      },
      // The agent's fleet-wide series (no dimension): its Maximum is the fullest instance's value.
      fleetMemoryHigh: {
        metric: new cloudwatch.Metric({
          namespace: fleetNamespace,
          metricName: 'mem_used_percent',
          statistic: cloudwatch.Stats.MAXIMUM,
          period: period('fleetMemoryHigh'),
        }),
        threshold: alerts.fleetMemoryHigh.thresholdPercent,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        missing: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `Memory use of an instance above ${alerts.fleetMemoryHigh.thresholdPercent} %`,
      },
      fleetDiskHigh: {
        metric: new cloudwatch.Metric({
          namespace: fleetNamespace,
          metricName: 'disk_used_percent',
          statistic: cloudwatch.Stats.MAXIMUM,
          period: period('fleetDiskHigh'),
        }),
        threshold: alerts.fleetDiskHigh.thresholdPercent,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        missing: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `Root-disk use of an instance above ${alerts.fleetDiskHigh.thresholdPercent} %`,
      },
      fleetBelowFloor: {
        metric: new cloudwatch.Metric({
          namespace: 'AWS/AutoScaling',
          metricName: 'GroupInServiceInstances',
          dimensionsMap: { AutoScalingGroupName: group },
          statistic: cloudwatch.Stats.MINIMUM,
          period: period('fleetBelowFloor'),
        }),
        threshold: this.props.fleetMinCapacity,
        comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        missing: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `Fewer than ${this.props.fleetMinCapacity} instances (the group's floor) in service`,
      },
      databaseCpuHigh: {
        metric: insights('MAX', 'AWS/RDS', 'CPUUtilization', dbIds, period('databaseCpuHigh'), 'busiest instance CPU'),
        threshold: alerts.databaseCpuHigh.thresholdPercent,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        missing: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `CPU of a database instance above ${alerts.databaseCpuHigh.thresholdPercent} %`,
      },
      databaseConnectionsHigh: {
        metric: insights(
          'MAX',
          'AWS/RDS',
          'DatabaseConnections',
          dbIds,
          period('databaseConnectionsHigh'),
          'busiest instance connections',
        ),
        threshold: alerts.databaseConnectionsHigh.thresholdCount,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        missing: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `More than ${alerts.databaseConnectionsHigh.thresholdCount} connections to a database instance`,
      },
      databaseFreeStorageLow: {
        metric: insights(
          'MIN',
          'AWS/RDS',
          'FreeStorageSpace',
          dbIds,
          period('databaseFreeStorageLow'),
          'fullest instance free bytes',
        ),
        threshold: alerts.databaseFreeStorageLow.thresholdGiB * GIB,
        comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        missing: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `Less than ${alerts.databaseFreeStorageLow.thresholdGiB} GiB free on a database instance`,
      },
      slowQueries: {
        metric: this.slowQueriesMetric.with({ period: period('slowQueries') }),
        threshold: alerts.slowQueries.thresholdCount,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        missing: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `More than ${alerts.slowQueries.thresholdCount} statements a minute slower than ${SLOW_QUERY_MILLISECONDS} ms`,
      },
      cacheMemoryHigh: {
        metric: chunkedInsights(
          'MAX',
          'AWS/ElastiCache',
          'DatabaseMemoryUsagePercentage',
          nodes,
          period('cacheMemoryHigh'),
        ),
        threshold: alerts.cacheMemoryHigh.thresholdPercent,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        missing: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `Memory use of a Redis node above ${alerts.cacheMemoryHigh.thresholdPercent} %`,
      },
      cacheEvictions: {
        metric: chunkedInsights('SUM', 'AWS/ElastiCache', 'Evictions', nodes, period('cacheEvictions')),
        threshold: alerts.cacheEvictions.thresholdCount,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        missing: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `More than ${alerts.cacheEvictions.thresholdCount} keys a minute evicted from Redis`,
      },
      streamingDiskHigh: {
        metric: insights(
          'MAX',
          'AWS/Kafka',
          'KafkaDataLogsDiskUsed',
          brokers,
          period('streamingDiskHigh'),
          'fullest broker disk %',
          ['Broker ID', 'Cluster Name'],
        ),
        threshold: alerts.streamingDiskHigh.thresholdPercent,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        missing: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `Data-log disk use of a Kafka broker above ${alerts.streamingDiskHigh.thresholdPercent} %`,
      },
      underReplicatedPartitions: {
        metric: insights(
          'SUM',
          'AWS/Kafka',
          'UnderReplicatedPartitions',
          brokers,
          period('underReplicatedPartitions'),
          'under-replicated partitions',
          ['Broker ID', 'Cluster Name'],
        ),
        threshold: alerts.underReplicatedPartitions.thresholdCount,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        missing: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: `More than ${alerts.underReplicatedPartitions.thresholdCount} under-replicated Kafka partitions`,
      },
      searchClusterRed: {
        metric: search.domain.metricClusterStatusRed({
          statistic: cloudwatch.Stats.MAXIMUM,
          period: period('searchClusterRed'),
        }),
        threshold: 1,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        missing: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: 'OpenSearch cluster status red: a primary shard is unassigned',
      },
      searchClusterYellow: {
        metric: search.domain.metricClusterStatusYellow({
          statistic: cloudwatch.Stats.MAXIMUM,
          period: period('searchClusterYellow'),
        }),
        threshold: 1,
        comparison: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        missing: cloudwatch.TreatMissingData.NOT_BREACHING,
        description: 'OpenSearch cluster status yellow: a replica shard is unassigned',
      },
    };
  }

  /** Redis hits over lookups, summed over every node. */
  private cacheHitRate(period: Duration): cloudwatch.MathExpression {
    const nodes = { CacheClusterId: this.props.cache.nodeClusterIds };
    return new cloudwatch.MathExpression({
      expression: 'IF((hits + misses) > 0, hits / (hits + misses), 1)',
      usingMetrics: {
        hits: chunkedInsights('SUM', 'AWS/ElastiCache', 'CacheHits', nodes, period),
        misses: chunkedInsights('SUM', 'AWS/ElastiCache', 'CacheMisses', nodes, period),
      },
      label: 'Redis hit rate',
      period,
    });
  }

  private createAlarm(name: AlertName, condition: AlertCondition): cloudwatch.Alarm {
    const window: AlertWindowConfig = this.props.config.alerts[name];
    return new cloudwatch.Alarm(this, pascalCase(name), {
      alarmName: this.props.names.alarmName(this.props.role, kebabCase(name)),
      alarmDescription: `${condition.description} for ${window.evaluationPeriods * (window.periodSeconds / 60)} min (${window.severity}).`,
      metric: condition.metric,
      threshold: condition.threshold,
      comparisonOperator: condition.comparison,
      evaluationPeriods: window.evaluationPeriods,
      datapointsToAlarm: window.evaluationPeriods,
      treatMissingData: condition.missing,
      // The composite alarms notify; a child only holds a state.
      actionsEnabled: false,
    });
  }

  /**
   * In alarm while any heartbeat of the failover runbook fell in the last window: one breaching
   * minute out of `heartbeatWindowMinutes` suffices, and no heartbeat is no failover.
   */
  private createFailoverInProgressAlarm(): cloudwatch.Alarm {
    const { names, role, config } = this.props;
    const metric = names.failoverInProgressMetric(role);
    const window = config.failoverSuppression.heartbeatWindowMinutes;
    return new cloudwatch.Alarm(this, 'FailoverInProgress', {
      alarmName: names.alarmName(role, 'failover-in-progress'),
      alarmDescription:
        `The failover runbook reported running within the last ${window} min; holds back the notifications of ` +
        'the composite alarms a failover trips.',
      metric: new cloudwatch.Metric({
        namespace: metric.namespace,
        metricName: metric.metricName,
        dimensionsMap: { ...metric.dimensions },
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: window,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      actionsEnabled: false,
    });
  }

  private createComposites(): Record<CompositeName, cloudwatch.CompositeAlarm> {
    const { config, role, database } = this.props;
    const bySeverity = (severity: AlertSeverity, expectedDuringFailover: boolean) =>
      ALERT_NAMES.filter(
        (name) =>
          config.alerts[name].severity === severity &&
          (severity === 'critical' || FAILOVER_EXPECTED_ALERTS.includes(name) === expectedDuringFailover),
      ).map((name) => this.alarms[name]);
    // Promotion ends the standby's replication, so its lag alarm is expected to trip in a failover;
    // the in-region replicas of the primary are unaffected by one.
    const replicaLag = database.replicaLagAlarms;
    const suppressed = {
      actionsSuppressor: this.failoverInProgressAlarm,
      actionsSuppressorWaitPeriod: Duration.seconds(config.failoverSuppression.waitPeriodSeconds),
      actionsSuppressorExtensionPeriod: Duration.seconds(config.failoverSuppression.extensionPeriodSeconds),
    };

    return {
      serviceUnhealthy: this.createComposite('serviceUnhealthy', bySeverity('critical', false), this.criticalTopic, {
        description: 'Users are failing: a critical alert is in alarm. Pages on-call.',
        ...suppressed,
      }),
      serviceDegraded: this.createComposite(
        'serviceDegraded',
        [...bySeverity('warning', true), ...(role === 'standby' ? replicaLag : [])],
        this.warningTopic,
        { description: 'The service is slower or its cache colder than it should be.', ...suppressed },
      ),
      infrastructureDegraded: this.createComposite(
        'infrastructureDegraded',
        [
          ...bySeverity('warning', false),
          ...(role === 'standby' ? [] : replicaLag),
          ...(this.props.infrastructureAlarms ?? []),
        ],
        this.warningTopic,
        { description: 'A resource of the fleet or the data tier is running out of room or lagging.' },
      ),
    };
  }

  private createComposite(
    name: CompositeName,
    children: readonly cloudwatch.IAlarm[],
    topic: sns.ITopic,
    options: { readonly description: string } & Pick<
      cloudwatch.CompositeAlarmProps,
      'actionsSuppressor' | 'actionsSuppressorWaitPeriod' | 'actionsSuppressorExtensionPeriod'
    >,
  ): cloudwatch.CompositeAlarm {
    const { description, ...suppression } = options;
    const composite = new cloudwatch.CompositeAlarm(this, pascalCase(name), {
      compositeAlarmName: this.props.names.alarmName(this.props.role, COMPOSITE_ALARM_SUFFIXES[name]),
      alarmDescription: `${description} In alarm while any alarm of its rule is.`,
      alarmRule: cloudwatch.AlarmRule.anyOf(...children),
      ...suppression,
    });
    const action = new actions.SnsAction(topic);
    composite.addAlarmAction(action);
    composite.addOkAction(action);
    return composite;
  }

  /** Counts the PostgreSQL log lines of statements slower than `log_min_duration_statement`. */
  private createSlowQueryFilters(): cloudwatch.Metric {
    const namespace = this.props.names.databaseMetricsNamespace();
    const filters = this.props.database.postgresqlLogGroups.map(
      (logGroup, i) =>
        new logs.MetricFilter(this, i === 0 ? 'MainSlowQueryFilter' : `Replica${i}SlowQueryFilter`, {
          logGroup,
          // `LOG:  duration: 1234.567 ms  execute <unnamed>: SELECT ...`
          filterPattern: logs.FilterPattern.allTerms('duration:', 'ms'),
          metricNamespace: namespace,
          metricName: SLOW_QUERIES_METRIC,
          metricValue: '1',
          unit: cloudwatch.Unit.COUNT,
        }),
    );
    return filters[0].metric({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(1) });
  }

  private createAlertsKey(): kms.Key {
    const { names } = this.props;
    const key = new kms.Key(this, 'AlertsKey', {
      alias: names.alertsKeyAlias(),
      description: 'Encrypts the photo platform alert topics of this region',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAlarmsOfThisRegionToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: this.alarmSourceConditions(),
      }),
    );
    return key;
  }

  private createTopic(id: string, severity: AlertSeverity): sns.Topic {
    const { names, role } = this.props;
    const topic = new sns.Topic(this, id, {
      topicName: names.alertTopicName(role, severity),
      displayName: `photo-platform ${role} ${severity} alerts`,
      masterKey: this.alertsKey,
      enforceSSL: true,
    });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAlarmsOfThisRegionToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: this.alarmSourceConditions(),
      }),
    );
    return topic;
  }

  /** Only alarms of this account, region and role (by name) may use the topics and their key. */
  private alarmSourceConditions(): Record<string, Record<string, string>> {
    const { account, region, partition } = Stack.of(this);
    const { names, role } = this.props;
    return {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: {
        'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:${names.alarmName(role, '*')}`,
      },
    };
  }

  private addDashboardWidgets(standbyReadiness: boolean): void {
    const { fleet, database, role, names, config } = this.props;
    const lb = fleet.loadBalancer.metrics;
    const conditions = this.alertConditions();
    const minute = Duration.minutes(1);
    const group = fleet.autoScalingGroup.autoScalingGroupName;
    const fleetNamespace = names.fleetMetricsNamespace();
    const service = (metric: { name: string }, dimensions: Record<string, string> = {}, statistic = 'Sum') =>
      new cloudwatch.Metric({
        namespace: fleetNamespace,
        metricName: metric.name,
        dimensionsMap: { job: SERVICE_METRICS_JOB, ...dimensions },
        statistic,
        period: minute,
      });
    const line = (value: number, label: string) => ({ value, label });
    const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 8, height: 6, ...extra });

    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# photo-platform ${role} (${Stack.of(this).region})\nComposite alarms notify; the others hold a state.`,
        width: 24,
        height: 2,
      }),
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [...Object.values(this.composites), this.failoverInProgressAlarm, ...Object.values(this.alarms)],
        width: 24,
        height: 6,
      }),
    );

    // Golden signals: traffic, errors, latency, saturation.
    const alerts = config.alerts;
    this.dashboard.addWidgets(
      graph('Traffic: requests a minute', [lb.requestCount({ statistic: 'Sum', period: minute })]),
      graph('Errors: 5xx share of requests', [conditions.highErrorRate.metric], {
        leftAnnotations: [line(alerts.highErrorRate.thresholdRatio, 'HighErrorRate')],
        leftYAxis: { min: 0, max: 1 },
      }),
      graph(
        'Latency: target response time (s)',
        ['p50', 'p95', 'p99'].map((statistic) => lb.targetResponseTime({ statistic, period: minute })),
        { leftAnnotations: [line(alerts.highLatency.thresholdSeconds, 'HighLatency (p99)')] },
      ),
    );
    this.dashboard.addWidgets(
      graph('Saturation: fleet CPU (%)', [conditions.fleetCpuHigh.metric], {
        leftAnnotations: [line(alerts.fleetCpuHigh.thresholdPercent, 'FleetCpuHigh')],
      }),
      graph('Saturation: fullest instance memory and disk (%)', [
        conditions.fleetMemoryHigh.metric,
        conditions.fleetDiskHigh.metric,
      ]),
      graph('Saturation: instances in service and healthy targets', [
        conditions.fleetBelowFloor.metric,
        fleet.targetGroup.metrics.healthyHostCount({ statistic: 'Maximum', period: minute }),
      ]),
    );

    // The data tier.
    this.dashboard.addWidgets(
      graph('Database: busiest instance CPU (%)', [conditions.databaseCpuHigh.metric]),
      graph('Database: busiest instance connections', [conditions.databaseConnectionsHigh.metric], {
        leftAnnotations: [line(alerts.databaseConnectionsHigh.thresholdCount, 'DatabaseConnectionsHigh')],
      }),
      graph('Database: fullest instance free storage (bytes)', [conditions.databaseFreeStorageLow.metric]),
    );
    this.dashboard.addWidgets(
      graph(
        'Database: replica lag (s)',
        database.replicaLagAlarms.map((alarm) => alarm.metric),
        { leftAnnotations: [line(this.props.rpoBudgetSeconds, 'RPO budget')] },
      ),
      graph(`Database: statements slower than ${SLOW_QUERY_MILLISECONDS} ms`, [conditions.slowQueries.metric]),
      graph('Service: database pool connections', [
        service(SCRAPED_SERVICE_METRICS.poolConnections, { pool: 'writer', state: 'total' }, 'Maximum'),
        service(SCRAPED_SERVICE_METRICS.poolConnections, { pool: 'writer', state: 'waiting' }, 'Maximum'),
        service(SCRAPED_SERVICE_METRICS.poolConnections, { pool: 'reader', state: 'total' }, 'Maximum'),
      ]),
    );
    this.dashboard.addWidgets(
      graph('Redis: hit rate over the cluster', [conditions.lowCacheHitRate.metric], {
        leftAnnotations: [line(alerts.lowCacheHitRate.thresholdRatio, 'LowCacheHitRate')],
        leftYAxis: { min: 0, max: 1 },
      }),
      graph('Redis: fullest node memory (%) and evictions', [conditions.cacheMemoryHigh.metric], {
        right: [conditions.cacheEvictions.metric],
      }),
      graph('Kafka: fullest broker disk (%) and under-replicated partitions', [conditions.streamingDiskHigh.metric], {
        right: [conditions.underReplicatedPartitions.metric],
      }),
    );
    this.dashboard.addWidgets(
      graph('OpenSearch: cluster status red and yellow', [
        conditions.searchClusterRed.metric,
        conditions.searchClusterYellow.metric,
      ]),
    );

    // Business metrics, from the service's own /metrics.
    const metrics = SCRAPED_SERVICE_METRICS;
    this.dashboard.addWidgets(
      graph('Business: posts created and uploads issued a minute', [
        service(metrics.postsCreated),
        service(metrics.uploadsIssued),
      ]),
      graph(
        'Business: logins a minute by result',
        ['success', 'failure', 'limited'].map((result) => service(metrics.logins, { result })),
      ),
      graph(
        'Service: feed reads a minute by source',
        ['hit', 'miss', 'stale'].map((result) => service(metrics.feedCache, { result })),
      ),
    );

    if (standbyReadiness) {
      const failover = names.failoverInProgressMetric(role);
      this.dashboard.addWidgets(
        new cloudwatch.TextWidget({
          markdown: '## Standby readiness\nThe replica within the RPO budget, the warm floor in service.',
          width: 24,
          height: 2,
        }),
        graph(
          'Replica lag behind the primary (s)',
          database.replicaLagAlarms.map((alarm) => alarm.metric),
          { leftAnnotations: [line(this.props.rpoBudgetSeconds, 'RPO budget')] },
        ),
        graph(
          'Instances in service against the warm floor',
          [
            conditions.fleetBelowFloor.metric,
            new cloudwatch.Metric({
              namespace: 'AWS/AutoScaling',
              metricName: 'GroupDesiredCapacity',
              dimensionsMap: { AutoScalingGroupName: group },
              statistic: 'Maximum',
              period: minute,
            }),
          ],
          { leftAnnotations: [line(this.props.fleetMinCapacity, 'warm floor')] },
        ),
        graph('Failover in progress (runbook heartbeats)', [
          new cloudwatch.Metric({
            namespace: failover.namespace,
            metricName: failover.metricName,
            dimensionsMap: { ...failover.dimensions },
            statistic: 'Maximum',
            period: minute,
          }),
        ]),
      );
    }
  }
}

/** What one alert's alarm compares. */
interface AlertCondition {
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly comparison: cloudwatch.ComparisonOperator;
  readonly missing: cloudwatch.TreatMissingData;
  readonly description: string;
}

const GIB = 1024 ** 3;

/**
 * A Metrics Insights query aggregating `metricName` over the series whose `where` dimension takes
 * one of the listed values (Metrics Insights compares with `=` only, so the values are OR-ed).
 */
export function insightsQuery(
  fn: 'SUM' | 'MAX' | 'MIN',
  namespace: string,
  metricName: string,
  where: Record<string, readonly string[]>,
  schema: readonly string[] = Object.keys(where),
): string {
  const quote = (identifier: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(identifier) ? identifier : `"${identifier}"`);
  const filter = Object.entries(where)
    .map(([dimension, values]) => values.map((value) => `${quote(dimension)} = '${value}'`).join(' OR '))
    .join(' AND ');
  return `SELECT ${fn}(${quote(metricName)}) FROM SCHEMA("${namespace}", ${schema.map(quote).join(', ')}) WHERE ${filter}`;
}

/**
 * The values of one dimension split into as few groups as keep each group's query within
 * {@link MAX_QUERY_LENGTH} characters.
 */
function chunkForQueries(
  fn: 'SUM' | 'MAX',
  namespace: string,
  metricName: string,
  dimension: string,
  values: readonly string[],
): string[][] {
  const chunks: string[][] = [];
  for (const value of values) {
    const current = chunks[chunks.length - 1];
    const longer = current && insightsQuery(fn, namespace, metricName, { [dimension]: [...current, value] });
    if (current && longer && longer.length <= MAX_QUERY_LENGTH) current.push(value);
    else chunks.push([value]);
  }
  return chunks;
}

/**
 * A Metrics Insights aggregate over many series of one dimension, split into as many queries as
 * the length limit of one query needs, and summed (or maxed) back into one series.
 */
function chunkedInsights(
  fn: 'SUM' | 'MAX',
  namespace: string,
  metricName: string,
  where: Record<string, readonly string[]>,
  period: Duration,
): cloudwatch.IMetric {
  const [dimension, values] = Object.entries(where)[0];
  const chunks = chunkForQueries(fn, namespace, metricName, dimension, values);
  if (chunks.length === 1) return insights(fn, namespace, metricName, where, period, `${fn} ${metricName}`);
  // Ids are unique per metric: one alarm's math may hold the chunks of several metrics (hits and misses).
  const prefix = metricName.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
  const queries = Object.fromEntries(
    chunks.map((chunk, i) => [`${prefix}${i}`, insights(fn, namespace, metricName, { [dimension]: chunk }, period)]),
  );
  const ids = Object.keys(queries);
  return new cloudwatch.MathExpression({
    expression: fn === 'SUM' ? ids.join(' + ') : `MAX([${ids.join(', ')}])`,
    usingMetrics: queries,
    label: `${fn} ${metricName}`,
    period,
  });
}

function insights(
  fn: 'SUM' | 'MAX' | 'MIN',
  namespace: string,
  metricName: string,
  where: Record<string, readonly string[]>,
  period: Duration,
  label?: string,
  schema?: readonly string[],
): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: insightsQuery(fn, namespace, metricName, where, schema),
    usingMetrics: {},
    label,
    period,
  });
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10} %`;
}

function pascalCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

function validateProps(props: RegionalMonitoringProps): void {
  if (!Number.isInteger(props.fleetMinCapacity) || props.fleetMinCapacity < 0) {
    throw new Error(
      `RegionalMonitoring: fleetMinCapacity is ${props.fleetMinCapacity}; allowed: a whole number of instances, 0 or more`,
    );
  }
  if (props.cache.nodeClusterIds.length === 0) {
    throw new Error('RegionalMonitoring: cache.nodeClusterIds is empty; allowed: the node ids of a replication group');
  }
  // The hit-rate alarm sums hits and misses, each in as many queries as the ids need, plus one
  // expression per split sum and the ratio: CloudWatch allows an alarm 10 expressions.
  const splits = ['CacheHits', 'CacheMisses'].map(
    (metricName) =>
      chunkForQueries('SUM', 'AWS/ElastiCache', metricName, 'CacheClusterId', props.cache.nodeClusterIds).length,
  );
  const expressions = 1 + splits.reduce((sum, chunks) => sum + (chunks === 1 ? 1 : chunks + 1), 0);
  if (expressions > MAX_ALARM_EXPRESSIONS) {
    throw new Error(
      `RegionalMonitoring: cache.nodeClusterIds has ${props.cache.nodeClusterIds.length} nodes, which the ` +
        `cluster-wide hit-rate alarm would query in ${expressions} expressions; allowed: nodes that fit in ` +
        `${MAX_ALARM_EXPRESSIONS} expressions of ${MAX_QUERY_LENGTH} characters`,
    );
  }
}

/** What a global dashboard needs of one region, all rebuilt from deterministic names (no cross-region reference). */
export interface RegionSummary {
  readonly role: RegionRole;
  readonly region: string;
  /** ARNs of the composite alarms, by composite. */
  readonly compositeAlarmArns: Readonly<Record<CompositeName, string>>;
  /** ARN of the failover-in-progress alarm. */
  readonly failoverInProgressAlarmArn: string;
  /** Name of the region's own dashboard. */
  readonly dashboardName: string;
}

/** The deterministic identities of each region's monitoring, for a dashboard in another stack (the edge). */
export function regionSummaries(config: PlatformConfig): readonly RegionSummary[] {
  const names = new PlatformNames(config);
  return (['primary', 'standby'] as const).map((role) => ({
    role,
    region: config.regions[role].region,
    compositeAlarmArns: Object.fromEntries(
      Object.entries(COMPOSITE_ALARM_SUFFIXES).map(([name, suffix]) => [name, names.alarmArn(role, suffix)]),
    ) as Record<CompositeName, string>,
    failoverInProgressAlarmArn: names.alarmArn(role, 'failover-in-progress'),
    dashboardName: names.dashboardName(role),
  }));
}

/**
 * Widgets of a global dashboard over both regions, built only from deterministic names: the
 * composite alarms of each region and the business metrics of each, with the region set on every
 * metric. The ALB metrics need the load balancers' generated names, which a stack in another
 * region cannot read without a cross-region reference; the regional dashboards carry them.
 *
 * The imported alarms are constructs under `scope` (ids such as `PrimaryServiceUnhealthy`): give the
 * helper a scope of its own, such as the global dashboard's construct.
 */
export function globalDashboardWidgets(scope: Construct, config: PlatformConfig): cloudwatch.IWidget[] {
  const names = new PlatformNames(config);
  const widgets: cloudwatch.IWidget[] = [];
  for (const summary of regionSummaries(config)) {
    const alarms = [
      ...Object.entries(summary.compositeAlarmArns).map(([name, arn]) =>
        cloudwatch.Alarm.fromAlarmArn(scope, `${pascalCase(summary.role)}${pascalCase(name)}`, arn),
      ),
      cloudwatch.Alarm.fromAlarmArn(
        scope,
        `${pascalCase(summary.role)}FailoverInProgress`,
        summary.failoverInProgressAlarmArn,
      ),
    ];
    const service = (metricName: string, dimensions: Record<string, string> = {}) =>
      new cloudwatch.Metric({
        namespace: names.fleetMetricsNamespace(),
        metricName,
        dimensionsMap: { job: SERVICE_METRICS_JOB, ...dimensions },
        statistic: 'Sum',
        period: Duration.minutes(5),
        region: summary.region,
        label: `${summary.region} ${metricName}`,
      });
    widgets.push(
      new cloudwatch.AlarmStatusWidget({ title: `${summary.role} (${summary.region})`, alarms, width: 12, height: 4 }),
      new cloudwatch.GraphWidget({
        title: `${summary.role}: posts, uploads and successful logins (5 min)`,
        left: [
          service(SCRAPED_SERVICE_METRICS.postsCreated.name),
          service(SCRAPED_SERVICE_METRICS.uploadsIssued.name),
          service(SCRAPED_SERVICE_METRICS.logins.name, { result: 'success' }),
        ],
        width: 12,
        height: 6,
      }),
    );
  }
  return widgets;
}
