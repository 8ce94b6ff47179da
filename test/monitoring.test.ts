import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { ProfileName, RegionRole } from '../lib/config/types';
import { globalDashboardWidgets, regionSummaries } from '../lib/monitoring';
import { buildPlatform, platformFor } from './helpers/platform';

process.env.CDK_VALIDATION = 'false';

const cases = (['production', 'development'] as const).flatMap((profile) =>
  (['primary', 'standby'] as const).map((role) => [profile, role] as const),
);

/** What each profile and role must carry: the names, sizes and thresholds that differ. */
const EXPECTED: Record<
  ProfileName,
  Record<
    RegionRole,
    {
      prefix: string;
      region: string;
      dbInstances: string[];
      cacheNodes: number;
      floor: number;
      connections: number;
      freeGiB: number;
      slowQueries: number;
      evictions: number;
    }
  >
> = {
  production: {
    primary: {
      prefix: 'photo-prod',
      region: 'us-east-1',
      dbInstances: ['photo-prod-db-primary', 1, 2, 3].map((n) =>
        typeof n === 'string' ? n : `photo-prod-db-primary-replica-${n}`,
      ),
      cacheNodes: 32,
      floor: 50,
      connections: 4000,
      freeGiB: 100,
      slowQueries: 50,
      evictions: 1000,
    },
    standby: {
      prefix: 'photo-prod',
      region: 'us-west-2',
      dbInstances: ['photo-prod-db-standby'],
      cacheNodes: 8,
      floor: 6,
      connections: 2700,
      freeGiB: 100,
      slowQueries: 50,
      evictions: 1000,
    },
  },
  development: {
    primary: {
      prefix: 'photo-dev',
      region: 'us-east-1',
      dbInstances: ['photo-dev-db-primary', 'photo-dev-db-primary-replica-1'],
      cacheNodes: 2,
      floor: 1,
      connections: 320,
      freeGiB: 2,
      slowQueries: 10,
      evictions: 100,
    },
    standby: {
      prefix: 'photo-dev',
      region: 'us-west-2',
      dbInstances: ['photo-dev-db-standby'],
      cacheNodes: 2,
      floor: 1,
      connections: 320,
      freeGiB: 2,
      slowQueries: 10,
      evictions: 100,
    },
  },
};

type Resource = { Type: string; Properties: Record<string, unknown> };

function setup(profile: ProfileName, role: RegionRole) {
  const build = platformFor(profile);
  const stack = build.platform[role];
  const template = build.template(stack);
  const expected = EXPECTED[profile][role];
  const resources = template.toJSON().Resources as Record<string, Resource>;
  const alarmsByName = new Map<string, [string, Resource]>();
  for (const [logicalId, resource] of Object.entries(resources)) {
    const name = resource.Properties?.AlarmName;
    if (typeof name === 'string') alarmsByName.set(name, [logicalId, resource]);
  }
  const alarm = (suffix: string) => {
    const found = alarmsByName.get(`${expected.prefix}-${role}-${suffix}`);
    if (!found) throw new Error(`no alarm ${expected.prefix}-${role}-${suffix}`);
    return { logicalId: found[0], props: found[1].Properties as Record<string, unknown>, type: found[1].Type };
  };
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as never);
  return { build, stack, template, expected, resources, alarm, id };
}

/** The single-metric alarm fields that carry meaning. */
function single(props: Record<string, unknown>) {
  return {
    Namespace: props.Namespace,
    MetricName: props.MetricName,
    Statistic: props.Statistic ?? props.ExtendedStatistic,
    Period: props.Period,
    EvaluationPeriods: props.EvaluationPeriods,
    DatapointsToAlarm: props.DatapointsToAlarm,
    Threshold: props.Threshold,
    ComparisonOperator: props.ComparisonOperator,
    TreatMissingData: props.TreatMissingData,
  };
}

/** The window, threshold and comparison of a metric-math alarm. */
function windowOf(props: Record<string, unknown>) {
  return {
    EvaluationPeriods: props.EvaluationPeriods,
    DatapointsToAlarm: props.DatapointsToAlarm,
    Threshold: props.Threshold,
    ComparisonOperator: props.ComparisonOperator,
    TreatMissingData: props.TreatMissingData,
  };
}

type Query = {
  Id: string;
  Expression?: string;
  Period?: number;
  ReturnData?: boolean;
  MetricStat?: { Metric: unknown; Period: number; Stat: string };
};

function queries(props: Record<string, unknown>): Query[] {
  return props.Metrics as Query[];
}

/** The one query the alarm returns. */
function returned(props: Record<string, unknown>): Query {
  const found = queries(props).filter((q) => q.ReturnData !== false);
  expect(found).toHaveLength(1);
  return found[0];
}

const orOf = (dimension: string, values: readonly string[]) =>
  values.map((value) => `${dimension} = '${value}'`).join(' OR ');

describe.each(cases)('%s %s: the design document alerts', (profile, role) => {
  const { alarm, id, stack } = setup(profile, role);
  const lbDimension = [
    { Name: 'LoadBalancer', Value: { 'Fn::GetAtt': [id(stack.fleet.loadBalancer), 'LoadBalancerFullName'] } },
  ];

  test('HighErrorRate: (target 5xx + ALB 5xx) / requests routed to the service above 5 % for 5 one-minute periods', () => {
    const { props } = alarm('high-error-rate');
    const byId = Object.fromEntries(queries(props).map((q) => [q.Id, q]));

    expect(windowOf(props)).toEqual({
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      Threshold: 0.05,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(returned(props).Expression).toBe('IF(errors > 0, errors / MAX([requests, errors]), 0)');
    expect(byId.errors.Expression).toBe('FILL(target5xx, 0) + FILL(elb5xx, 0)');
    expect(byId.requests.Expression).toBe('FILL(requestCount, 0)');
    for (const [queryId, metricName] of [
      ['target5xx', 'HTTPCode_Target_5XX_Count'],
      ['elb5xx', 'HTTPCode_ELB_5XX_Count'],
    ]) {
      expect(byId[queryId].MetricStat).toEqual({
        Metric: { Namespace: 'AWS/ApplicationELB', MetricName: metricName, Dimensions: lbDimension },
        Period: 60,
        Stat: 'Sum',
      });
    }
    // The base is the target group's count, not the load balancer's: the listener's fixed 403s to requests
    // without the origin header never reach the service and must not dilute the share.
    const targetGroupDimensions = (alarm('database-down').props.Dimensions as unknown[]) ?? [];
    expect(targetGroupDimensions).toContainEqual({
      Name: 'TargetGroup',
      Value: { 'Fn::GetAtt': [id(stack.fleet.targetGroup), 'TargetGroupFullName'] },
    });
    expect(byId.requestCount.MetricStat).toEqual({
      Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: targetGroupDimensions },
      Period: 60,
      Stat: 'Sum',
    });
  });

  test('DatabaseDown: no target passes /health for 1 minute, missing data breaching', () => {
    const { props } = alarm('database-down');

    expect(single(props)).toEqual({
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HealthyHostCount',
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    // The target group's load balancer, read from the listener's ARN.
    const listener = { Ref: id(stack.fleet.httpsListener) };
    const part = (index: number) => ({ 'Fn::Select': [index, { 'Fn::Split': ['/', listener] }] });
    expect(props.Dimensions).toEqual([
      { Name: 'LoadBalancer', Value: { 'Fn::Join': ['', [part(1), '/', part(2), '/', part(3)]] } },
      { Name: 'TargetGroup', Value: { 'Fn::GetAtt': [id(stack.fleet.targetGroup), 'TargetGroupFullName'] } },
    ]);
  });

  test('HighLatency: ALB target response time p99 above 1 s for 5 minutes', () => {
    const { props } = alarm('high-latency');

    expect(single(props)).toEqual({
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'TargetResponseTime',
      Statistic: 'p99',
      Period: 60,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(props.Dimensions).toEqual(lbDimension);
  });

  test('LowCacheHitRate: hits / (hits + misses) over every node of the replication group below 80 % for 10 minutes', () => {
    const { props } = alarm('low-cache-hit-rate');
    const { expected } = setup(profile, role);
    const nodes = stack.cache.nodeClusterIds;
    const byId = Object.fromEntries(queries(props).map((q) => [q.Id, q]));

    expect(nodes).toHaveLength(expected.cacheNodes);
    expect(nodes[0]).toBe(`${expected.prefix}-cache-${role}-0001-001`);
    expect(nodes[1]).toBe(`${expected.prefix}-cache-${role}-0001-002`);
    expect(windowOf(props)).toEqual({
      EvaluationPeriods: 10,
      DatapointsToAlarm: 10,
      Threshold: 0.8,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(returned(props).Expression).toBe('IF((hits + misses) > 0, hits / (hits + misses), 1)');
    for (const [queryId, metricName] of [
      ['hits', 'CacheHits'],
      ['misses', 'CacheMisses'],
    ]) {
      expect(byId[queryId]).toMatchObject({
        Expression: `SELECT SUM(${metricName}) FROM SCHEMA("AWS/ElastiCache", CacheClusterId) WHERE ${orOf('CacheClusterId', nodes)}`,
        Period: 60,
      });
      expect((byId[queryId].Expression as string).length).toBeLessThanOrEqual(2048);
    }
  });
});

describe.each(cases)('%s %s: infrastructure and data-tier alarms', (profile, role) => {
  const { alarm, expected, stack, id } = setup(profile, role);
  const group = [{ Name: 'AutoScalingGroupName', Value: { Ref: id(stack.fleet.autoScalingGroup) } }];

  test.each([
    ['fleet-cpu-high', 'AWS/EC2', 'CPUUtilization', 'Average', 85, 'GreaterThanThreshold', 15],
    ['fleet-memory-high', 'FLEET', 'mem_used_percent', 'Maximum', 90, 'GreaterThanThreshold', 10],
    ['fleet-disk-high', 'FLEET', 'disk_used_percent', 'Maximum', 90, 'GreaterThanThreshold', 5],
    ['fleet-below-floor', 'AWS/AutoScaling', 'GroupInServiceInstances', 'Minimum', 'FLOOR', 'LessThanThreshold', 15],
    ['slow-queries', 'DATABASE', 'SlowQueries', 'Sum', 'SLOW', 'GreaterThanThreshold', 5],
    ['search-cluster-red', 'AWS/ES', 'ClusterStatus.red', 'Maximum', 1, 'GreaterThanOrEqualToThreshold', 1],
    ['search-cluster-yellow', 'AWS/ES', 'ClusterStatus.yellow', 'Maximum', 1, 'GreaterThanOrEqualToThreshold', 10],
  ] as const)('%s: %s %s %s', (suffix, namespace, metricName, statistic, threshold, comparison, periods) => {
    const { props } = alarm(suffix);

    expect(single(props)).toEqual({
      Namespace:
        ({ FLEET: `${expected.prefix}/fleet`, DATABASE: `${expected.prefix}/database` } as Record<string, string>)[
          namespace
        ] ?? namespace,
      MetricName: metricName,
      Statistic: statistic,
      Period: 60,
      EvaluationPeriods: periods,
      DatapointsToAlarm: periods,
      Threshold:
        ({ FLOOR: expected.floor, SLOW: expected.slowQueries } as Record<string, number>)[threshold] ?? threshold,
      ComparisonOperator: comparison,
      TreatMissingData: 'notBreaching',
    });
  });

  test('the fleet alarms watch the group, the agent metrics its fleet-wide series', () => {
    expect(alarm('fleet-cpu-high').props.Dimensions).toEqual(group);
    expect(alarm('fleet-below-floor').props.Dimensions).toEqual(group);
    expect(alarm('fleet-memory-high').props.Dimensions).toBeUndefined();
    expect(alarm('fleet-disk-high').props.Dimensions).toBeUndefined();
  });

  test('the search alarms watch the region domain', () => {
    expect(alarm('search-cluster-red').props.Dimensions).toEqual(
      expect.arrayContaining([{ Name: 'DomainName', Value: { Ref: id(stack.search.domain) } }]),
    );
  });

  const dbWhere = orOf('DBInstanceIdentifier', expected.dbInstances);
  const brokersWhere = `"Cluster Name" = '${expected.prefix}-events-${role}'`;
  test.each([
    [
      'database-cpu-high',
      `SELECT MAX(CPUUtilization) FROM SCHEMA("AWS/RDS", DBInstanceIdentifier) WHERE ${dbWhere}`,
      80,
      'GreaterThanThreshold',
      15,
    ],
    [
      'database-connections-high',
      `SELECT MAX(DatabaseConnections) FROM SCHEMA("AWS/RDS", DBInstanceIdentifier) WHERE ${dbWhere}`,
      expected.connections,
      'GreaterThanThreshold',
      10,
    ],
    [
      'database-free-storage-low',
      `SELECT MIN(FreeStorageSpace) FROM SCHEMA("AWS/RDS", DBInstanceIdentifier) WHERE ${dbWhere}`,
      expected.freeGiB * 1024 ** 3,
      'LessThanThreshold',
      5,
    ],
    [
      'streaming-disk-high',
      `SELECT MAX(KafkaDataLogsDiskUsed) FROM SCHEMA("AWS/Kafka", "Broker ID", "Cluster Name") WHERE ${brokersWhere}`,
      80,
      'GreaterThanThreshold',
      15,
    ],
    [
      'under-replicated-partitions',
      `SELECT SUM(UnderReplicatedPartitions) FROM SCHEMA("AWS/Kafka", "Broker ID", "Cluster Name") WHERE ${brokersWhere}`,
      0,
      'GreaterThanThreshold',
      10,
    ],
  ] as const)('%s: %s', (suffix, query, threshold, comparison, periods) => {
    const { props } = alarm(suffix);

    expect(queries(props)).toEqual([expect.objectContaining({ Expression: query, Period: 60 })]);
    expect(windowOf(props)).toEqual({
      EvaluationPeriods: periods,
      DatapointsToAlarm: periods,
      Threshold: threshold,
      ComparisonOperator: comparison,
      TreatMissingData: 'notBreaching',
    });
  });

  test.each([
    ['cache-memory-high', 'MAX', 'DatabaseMemoryUsagePercentage', 80, 15],
    ['cache-evictions', 'SUM', 'Evictions', 'EVICTIONS', 15],
  ] as const)('%s: %s(%s) over every Redis node', (suffix, fn, metricName, threshold, periods) => {
    const { props } = alarm(suffix);

    expect(queries(props)).toEqual([
      expect.objectContaining({
        Expression: `SELECT ${fn}(${metricName}) FROM SCHEMA("AWS/ElastiCache", CacheClusterId) WHERE ${orOf('CacheClusterId', stack.cache.nodeClusterIds)}`,
        Period: 60,
      }),
    ]);
    expect(windowOf(props)).toEqual({
      EvaluationPeriods: periods,
      DatapointsToAlarm: periods,
      Threshold: threshold === 'EVICTIONS' ? expected.evictions : threshold,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('slow queries are counted from every instance PostgreSQL log, logged from 1000 ms', () => {
    const { template } = setup(profile, role);
    const logGroups = stack.database.postgresqlLogGroups;

    expect(logGroups).toHaveLength(expected.dbInstances.length);
    for (const logGroup of logGroups) {
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        LogGroupName: { Ref: id(logGroup) },
        FilterPattern: '"duration:" "ms"',
        MetricTransformations: [
          {
            MetricNamespace: `${expected.prefix}/database`,
            MetricName: 'SlowQueries',
            MetricValue: '1',
            Unit: 'Count',
          },
        ],
      });
    }
    template.resourceCountIs('AWS::Logs::MetricFilter', expected.dbInstances.length);
    template.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Parameters: { 'rds.force_ssl': '1', log_min_duration_statement: '1000' },
    });
  });
});

describe.each(cases)('%s %s: actions, composite alarms and suppression', (profile, role) => {
  const { alarm, expected, resources, stack, id, template } = setup(profile, role);
  const children = Object.entries(resources).filter(
    ([, resource]) =>
      resource.Type === 'AWS::CloudWatch::Alarm' &&
      String(resource.Properties.AlarmName ?? '').startsWith(`${expected.prefix}-${role}-`),
  );
  const arn = (logicalId: string) => `ALARM("\${${logicalId}.Arn}")`;
  const ruleOf = (suffix: string) => {
    const rule = alarm(suffix).props.AlarmRule as { 'Fn::Join': [string, unknown[]] };
    return rule['Fn::Join'][1]
      .map((part) =>
        typeof part === 'string' ? part : `\${${(part as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]}.Arn}`,
      )
      .join('');
  };
  const alarmIds = (...suffixes: string[]) => suffixes.map((suffix) => alarm(suffix).logicalId);
  const replicaLagIds = stack.database.replicaLagAlarms.map((lag) => id(lag));
  const topic = (severity: string) =>
    Object.entries(resources).find(
      ([, r]) =>
        r.Type === 'AWS::SNS::Topic' && r.Properties.TopicName === `${expected.prefix}-${role}-alerts-${severity}`,
    )?.[0] as string;

  test('every alarm of the region notifies only through a composite: no actions of its own', () => {
    expect(children.length).toBe(19);
    for (const [, child] of children) {
      expect(child.Properties.ActionsEnabled).toBe(false);
      expect(child.Properties).not.toHaveProperty('AlarmActions');
      expect(child.Properties).not.toHaveProperty('OKActions');
      expect(child.Properties).not.toHaveProperty('InsufficientDataActions');
    }
  });

  test('ServiceUnhealthy pages: the critical topic on alarm and on recovery, over error rate and database down', () => {
    const { props } = alarm('service-unhealthy');

    expect(alarm('service-unhealthy').type).toBe('AWS::CloudWatch::CompositeAlarm');
    expect(ruleOf('service-unhealthy')).toBe(`(${alarmIds('high-error-rate', 'database-down').map(arn).join(' OR ')})`);
    expect(props.AlarmActions).toEqual([{ Ref: topic('critical') }]);
    expect(props.OKActions).toEqual([{ Ref: topic('critical') }]);
    expect(props).not.toHaveProperty('InsufficientDataActions');
  });

  test('ServiceDegraded warns over latency, cache hit rate and fleet CPU (and the standby replica lag)', () => {
    const { props } = alarm('service-degraded');
    const ids = [
      ...alarmIds('high-latency', 'low-cache-hit-rate', 'fleet-cpu-high'),
      ...(role === 'standby' ? replicaLagIds : []),
    ];

    expect(ruleOf('service-degraded')).toBe(`(${ids.map(arn).join(' OR ')})`);
    expect(props.AlarmActions).toEqual([{ Ref: topic('warning') }]);
    expect(props.OKActions).toEqual([{ Ref: topic('warning') }]);
  });

  test('InfrastructureDegraded warns over every other alarm (and the in-region replica lag)', () => {
    const { props } = alarm('infrastructure-degraded');
    const ids = [
      ...alarmIds(
        'fleet-memory-high',
        'fleet-disk-high',
        'fleet-below-floor',
        'database-cpu-high',
        'database-connections-high',
        'database-free-storage-low',
        'slow-queries',
        'cache-memory-high',
        'cache-evictions',
        'streaming-disk-high',
        'under-replicated-partitions',
        'search-cluster-red',
        'search-cluster-yellow',
      ),
      ...(role === 'primary' ? replicaLagIds : []),
      // The media bucket's replication alarms, in the primary that owns the bucket.
      ...(role === 'primary'
        ? [stack.mediaStorage?.replicationLatencyAlarm, stack.mediaStorage?.replicationFailureAlarm].map((media) =>
            id(media as NonNullable<typeof media>),
          )
        : []),
    ];

    expect(ruleOf('infrastructure-degraded')).toBe(`(${ids.map(arn).join(' OR ')})`);
    expect(props.AlarmActions).toEqual([{ Ref: topic('warning') }]);
    expect(props).not.toHaveProperty('ActionsSuppressor');
  });

  test('every alarm except failover-in-progress is in exactly one composite', () => {
    const rules = ['service-unhealthy', 'service-degraded', 'infrastructure-degraded'].map(ruleOf);
    for (const [logicalId, child] of [...children, ...replicaLagIds.map((lag) => [lag, resources[lag]] as const)]) {
      const inRules = rules.filter((rule) => rule.includes(`\${${logicalId}.Arn}`)).length;
      expect([child.Properties.AlarmName, inRules]).toEqual([
        child.Properties.AlarmName,
        child.Properties.AlarmName === `${expected.prefix}-${role}-failover-in-progress` ? 0 : 1,
      ]);
    }
  });

  test('the failover-in-progress alarm: any runbook heartbeat in the last 10 minutes, on the metric of names.ts', () => {
    const { props, logicalId } = alarm('failover-in-progress');

    expect(single(props)).toEqual({
      Namespace: `${expected.prefix}/failover`,
      MetricName: 'FailoverInProgress',
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 10,
      DatapointsToAlarm: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(props.Dimensions).toEqual([{ Name: 'Region', Value: expected.region }]);
    expect(props.ActionsEnabled).toBe(false);
    for (const suffix of ['service-unhealthy', 'service-degraded']) {
      expect(alarm(suffix).props).toMatchObject({
        ActionsSuppressor: { 'Fn::GetAtt': [logicalId, 'Arn'] },
        ActionsSuppressorWaitPeriod: 120,
        ActionsSuppressorExtensionPeriod: 900,
      });
    }
  });

  test('both topics are encrypted with a rotated key that admits only this region alarms', () => {
    const alarmsArn = `arn:aws:cloudwatch:${expected.region}:123456789012:alarm:${expected.prefix}-${role}-*`;
    const conditions = {
      StringEquals: { 'aws:SourceAccount': '123456789012' },
      ArnLike: { 'aws:SourceArn': alarmsArn },
    };
    const keyId = id(stack.monitoring.alertsKey);

    for (const severity of ['critical', 'warning']) {
      template.hasResourceProperties('AWS::SNS::Topic', {
        TopicName: `${expected.prefix}-${role}-alerts-${severity}`,
        KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topic(severity) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Condition: conditions,
            }),
          ]),
        },
      });
    }
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: conditions,
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: `alias/${expected.prefix}/alerts`,
      TargetKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
  });
});

describe.each(cases)('%s %s: the dashboard', (profile, role) => {
  const { stack, expected, template, id } = setup(profile, role);
  const body = JSON.stringify(template.toJSON().Resources[id(stack.monitoring.dashboard)].Properties.DashboardBody);

  test('is named for the region and exposed by the construct', () => {
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: `${expected.prefix}-${role}` });
    expect(stack.monitoring.dashboard).toBeInstanceOf(cloudwatch.Dashboard);
  });

  test.each([
    'Traffic: requests a minute',
    'Errors: 5xx share of requests',
    'Latency: target response time (s)',
    'Saturation: fleet CPU (%)',
    'Database: replica lag (s)',
    'Redis: hit rate over the cluster',
    'Kafka: fullest broker disk (%) and under-replicated partitions',
    'OpenSearch: cluster status red and yellow',
    'Business: posts created and uploads issued a minute',
    'Business: logins a minute by result',
    'Service: feed reads a minute by source',
  ])('shows %s', (title) => {
    expect(body).toContain(title);
  });

  test('plots the business metrics the agent ships, by their Prometheus names', () => {
    for (const name of [
      'posts_created_total',
      'media_uploads_issued_total',
      'logins_total',
      'feed_cache_requests_total',
    ]) {
      expect(body).toContain(`\\"${expected.prefix}/fleet\\",\\"${name}\\",\\"job\\",\\"photo-api\\"`);
    }
  });

  test(`has the standby-readiness row only in the standby`, () => {
    expect(body.includes('Standby readiness')).toBe(role === 'standby');
    expect(body.includes('Instances in service against the warm floor')).toBe(role === 'standby');
  });
});

describe('the global dashboard helper', () => {
  const build = platformFor('production');

  test('names every composite and failover alarm of both regions by the ARNs the regions create', () => {
    const summaries = regionSummaries(build.config);
    for (const summary of summaries) {
      const stack = build.platform[summary.role];
      const names = Object.values(stack.monitoring.composites).map((composite) =>
        stack.resolve((composite.node.defaultChild as cloudwatch.CfnCompositeAlarm).alarmName),
      );

      expect(Object.values(summary.compositeAlarmArns)).toEqual(
        names.map((name) => `arn:aws:cloudwatch:${summary.region}:123456789012:alarm:${name}`),
      );
      expect(summary.dashboardName).toBe(`photo-prod-${summary.role}`);
    }
  });

  test('builds widgets in a stack of another region without cross-region references', () => {
    const stack = new Stack(new App(), 'Global', { env: { account: '123456789012', region: 'us-east-1' } });
    new cloudwatch.Dashboard(stack, 'Global', { widgets: [globalDashboardWidgets(stack, build.config)] });
    const body = JSON.stringify(Template.fromStack(stack).toJSON());

    expect(body).toContain('arn:aws:cloudwatch:us-west-2:123456789012:alarm:photo-prod-standby-service-unhealthy');
    expect(body).toContain('\\"region\\":\\"us-west-2\\"');
    expect(body).not.toContain('Fn::ImportValue');
  });
});

test('a cache too large for the hit-rate alarm queries fails synth at the config, naming the key and the limit', () => {
  expect(() =>
    buildPlatform({ context: { overrides: { primary: { data: { cache: { shards: 250, replicasPerShard: 1 } } } } } }),
  ).toThrow(/primary\.data\.cache\.shards: got 250; allowed: at most 90 nodes in total/);
});

test('the largest cache the config allows (90 nodes) still gets a cluster-wide hit-rate alarm', () => {
  const build = buildPlatform({ context: { overrides: { primary: { data: { cache: { shards: 45 } } } } } });
  const alarms = Object.values(build.template(build.platform.primary).findResources('AWS::CloudWatch::Alarm'));
  const hitRate = alarms.find((a) => JSON.stringify(a.Properties.Metrics ?? []).includes('CacheHits'));
  const queries = ((hitRate?.Properties.Metrics ?? []) as { Id: string; Expression?: string }[]).filter((m) =>
    m.Expression?.startsWith('SELECT'),
  );

  // More than one query per metric, each with an id of its own, covering all 90 nodes.
  expect(queries.length).toBeGreaterThan(2);
  expect(new Set(queries.map((q) => q.Id)).size).toBe(queries.length);
  const nodes = queries.flatMap((q) => q.Expression?.match(/photo-prod-cache-primary-\d{4}-\d{3}/g) ?? []);
  expect(new Set(nodes).size).toBe(90);
});
