/**
 * The drill's world, built in moto through the SDK: what the CDK app deploys (or will, once the
 * database and edge tiers exist) and the runbook acts on, with the same names.
 */
import { createServer, type Server } from 'node:http';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  ListMetricsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { CreateLaunchTemplateCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import {
  ChangeResourceRecordSetsCommand,
  ChangeTagsForResourceCommand,
  CreateHealthCheckCommand,
  CreateHostedZoneCommand,
  type HealthCheckConfig,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { PlatformConfig } from '../../lib/config/types';
import { HEALTH_CHECK_PATH } from '../../lib/fleet';
import { PlatformNames } from '../../lib/names';
import { productionCapacity, RUNBOOK_DEFAULTS } from '../../lib/runbook-defaults';
import type { RunbookTargets } from '../../lib/runbook-steps';

/** Hosted zone ids of ALBs in each region (the alias targets of the regional origin records). */
const ALB_ZONE_IDS: Record<string, string> = { 'us-east-1': 'Z35SXDOTRQ7X7K', 'us-west-2': 'Z1H1FL5HABSF5' };

/** What the drill built, and clients to inspect it with. */
export interface DrillWorld {
  readonly targets: RunbookTargets;
  readonly hostedZoneId: string;
  /** The calculated health check the PRIMARY failover record carries. */
  readonly primaryRecordHealthCheckId: string;
  readonly primaryDbIdentifier: string;
  readonly albDnsNames: Readonly<Record<'primary' | 'standby', string>>;
  /** The stand-in of the standby service answering /health on loopback. */
  readonly healthServer: Server;
  readonly clients: ReturnType<typeof clientsFor>;
  close(): Promise<void>;
}

function clientsFor(primaryRegion: string, standbyRegion: string) {
  return {
    route53: new Route53Client({ region: 'us-east-1' }),
    rds: { primary: new RDSClient({ region: primaryRegion }), standby: new RDSClient({ region: standbyRegion }) },
    ssm: { primary: new SSMClient({ region: primaryRegion }), standby: new SSMClient({ region: standbyRegion }) },
    autoscaling: {
      primary: new AutoScalingClient({ region: primaryRegion }),
      standby: new AutoScalingClient({ region: standbyRegion }),
    },
    ec2: { primary: new EC2Client({ region: primaryRegion }), standby: new EC2Client({ region: standbyRegion }) },
    cloudwatch: new CloudWatchClient({ region: standbyRegion }),
  };
}

/**
 * Builds the world in moto (the SDK's endpoint must already point there, through
 * `AWS_ENDPOINT_URL`): a hosted zone with the origin records as production declares them (each
 * region's alias to its ALB, and the PRIMARY/SECONDARY failover CNAMEs to those regional names
 * with the config's TTL), the primary's health checks (the endpoint check, the switch alarm's
 * check and the calculated check of both, on the PRIMARY record) and the standby's observer of
 * the primary's endpoint, which the runbook reads; a primary database in the primary region and
 * its cross-region read replica, both fleets with launch templates, the write switch in both
 * regions, the switch alarm, and the replica's lag datapoints. Also starts a loopback stand-in of the standby service whose /health reports
 * the standby's write switch.
 */
export async function buildWorld(config: PlatformConfig, replicaLagSeconds: number): Promise<DrillWorld> {
  const names = new PlatformNames(config);
  const primaryRegion = config.regions.primary.region;
  const standbyRegion = config.regions.standby.region;
  const clients = clientsFor(primaryRegion, standbyRegion);
  const prefix = config.stackNamePrefix;
  const switchMetric = names.failoverSwitchMetric();

  // The write switch, `on` in both regions, as ServiceSettings creates it.
  for (const ssm of [clients.ssm.primary, clients.ssm.standby]) {
    await ssm.send(
      new PutParameterCommand({
        Name: names.writeSwitchParameterName(),
        Value: 'on',
        Type: 'String',
        AllowedPattern: '^(on|off)$',
      }),
    );
  }

  // The failover switch alarm: ALARM once the runbook writes 1; missing data keeps the state.
  await clients.cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: names.failoverSwitchAlarmName(),
      Namespace: switchMetric.namespace,
      MetricName: switchMetric.metricName,
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'ignore',
    }),
  );

  // Route 53, as the two regional stacks write it (lib/origin-failover.ts): the primary's three
  // health checks, the standby's observer of the primary, each region's alias to its ALB, and
  // the failover CNAME pair of the origin name.
  const zone = await clients.route53.send(
    new CreateHostedZoneCommand({ Name: config.hostedZoneName, CallerReference: `drill-${Date.now()}` }),
  );
  const hostedZoneId = String(zone.HostedZone?.Id).replace('/hostedzone/', '');
  const healthCheckName = names.primaryOriginHealthCheckName();
  const endpointCheckId = await createHealthCheck(
    clients.route53,
    `${healthCheckName}-endpoint`,
    endpointHealthCheckConfig(names, config),
  );
  const switchCheckId = await createHealthCheck(clients.route53, `${healthCheckName}-switch`, {
    Type: 'CLOUDWATCH_METRIC',
    AlarmIdentifier: { Region: standbyRegion as never, Name: names.failoverSwitchAlarmName() },
    InsufficientDataHealthStatus: 'LastKnownStatus',
  });
  const primaryCheckId = await createHealthCheck(clients.route53, healthCheckName, {
    Type: 'CALCULATED',
    ChildHealthChecks: [endpointCheckId, switchCheckId],
    HealthThreshold: 2,
  });
  const observerCheckId = await createHealthCheck(
    clients.route53,
    `${healthCheckName}-observer`,
    endpointHealthCheckConfig(names, config),
  );
  const albDnsNames = {
    primary: `${prefix}-alb-primary.${primaryRegion}.elb.amazonaws.com`,
    standby: `${prefix}-alb-standby.${standbyRegion}.elb.amazonaws.com`,
  };
  const { recordTtlSeconds } = config.edge.originFailover;
  await clients.route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: hostedZoneId,
      ChangeBatch: {
        Changes: (['primary', 'standby'] as const).flatMap((role) => [
          {
            Action: 'CREATE' as const,
            ResourceRecordSet: {
              Name: names.regionalOriginDomainName(role),
              Type: 'A' as const,
              AliasTarget: {
                DNSName: `dualstack.${albDnsNames[role]}`,
                HostedZoneId: ALB_ZONE_IDS[config.regions[role].region],
                EvaluateTargetHealth: false,
              },
            },
          },
          {
            Action: 'CREATE' as const,
            ResourceRecordSet: {
              Name: names.originDomainName(),
              Type: 'CNAME' as const,
              SetIdentifier: names.originFailoverSetIdentifier(role),
              Failover: role === 'primary' ? ('PRIMARY' as const) : ('SECONDARY' as const),
              HealthCheckId: role === 'primary' ? primaryCheckId : undefined,
              TTL: recordTtlSeconds,
              ResourceRecords: [{ Value: names.regionalOriginDomainName(role) }],
            },
          },
        ]),
      },
    }),
  );

  // The database: the primary (Multi-AZ) and its cross-region read replica (single-AZ, warm).
  const primaryDbIdentifier = names.databaseInstanceIdentifier('primary');
  const replicaIdentifier = names.databaseInstanceIdentifier('standby');
  const primaryDb = await clients.rds.primary.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: primaryDbIdentifier,
      Engine: 'postgres',
      DBInstanceClass: 'db.r6g.xlarge',
      AllocatedStorage: 100,
      MasterUsername: 'photos',
      MasterUserPassword: 'drill-password-not-a-secret',
      MultiAZ: true,
      BackupRetentionPeriod: 7,
    }),
  );
  await clients.rds.standby.send(
    new CreateDBInstanceReadReplicaCommand({
      DBInstanceIdentifier: replicaIdentifier,
      SourceDBInstanceIdentifier: primaryDb.DBInstance?.DBInstanceArn,
      DBInstanceClass: 'db.r6g.xlarge',
      MultiAZ: false,
    }),
  );
  const now = Date.now();
  await clients.cloudwatch.send(
    new PutMetricDataCommand({
      Namespace: 'AWS/RDS',
      MetricData: [3, 2, 1].map((minutesAgo) => ({
        MetricName: 'ReplicaLag',
        Dimensions: [{ Name: 'DBInstanceIdentifier', Value: replicaIdentifier }],
        Timestamp: new Date(now - minutesAgo * 60_000),
        Value: replicaLagSeconds,
        Unit: 'Seconds',
      })),
    }),
  );

  // Both fleets: a launch template and an Auto Scaling group at the config's sizes.
  const groupNames = { primary: `${prefix}-fleet-primary`, standby: `${prefix}-fleet-standby` };
  for (const role of ['primary', 'standby'] as const) {
    const fleet = config[role].fleet;
    const region = config.regions[role].region;
    const template = await clients.ec2[role].send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: `${prefix}-fleet-${role}`,
        LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: fleet.instanceType as never },
      }),
    );
    await clients.autoscaling[role].send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: groupNames[role],
        LaunchTemplate: { LaunchTemplateId: template.LaunchTemplate?.LaunchTemplateId, Version: '$Latest' },
        MinSize: fleet.minCapacity,
        MaxSize: fleet.maxCapacity,
        DesiredCapacity: fleet.desiredCapacityAtCreation ?? fleet.minCapacity,
        AvailabilityZones: [...config.regions[role].availabilityZones],
        HealthCheckType: 'ELB',
        HealthCheckGracePeriod: fleet.healthCheckGracePeriodSeconds,
      }),
    );
    void region;
  }

  const healthServer = await startStandbyStandIn(clients.ssm.standby, names.writeSwitchParameterName());
  const address = healthServer.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const targets: RunbookTargets = {
    primaryRegion,
    standbyRegion,
    // As in the standby stack: the runbook reads the primary's health through the observer check.
    primaryHealthCheckId: observerCheckId,
    dbInstanceIdentifier: replicaIdentifier,
    backupRetentionDays: RUNBOOK_DEFAULTS.backupRetentionDays,
    autoScalingGroupName: groupNames.standby,
    capacity: productionCapacity(config),
    writeSwitchParameterName: names.writeSwitchParameterName(),
    switchAlarmName: names.failoverSwitchAlarmName(),
    switchMetricNamespace: switchMetric.namespace,
    hostedZoneId,
    recordName: names.originDomainName(),
    // Both stand for the public name and the standby's own origin name; in the drill they reach the
    // same loopback stand-in of the standby service.
    healthUrls: [`http://127.0.0.1:${port}/health`, `http://localhost:${port}/health`],
    healthRequestTimeoutMs: RUNBOOK_DEFAULTS.healthRequestTimeoutMs,
    promotionTimeoutSeconds: RUNBOOK_DEFAULTS.promotionTimeoutSeconds,
    verifyTimeoutSeconds: RUNBOOK_DEFAULTS.verifyTimeoutSeconds,
    metricsNamespace: names.failoverMetricsNamespace(),
    rtoBudgetSeconds: RUNBOOK_DEFAULTS.rtoObjectiveSeconds,
  };

  return {
    targets,
    hostedZoneId,
    primaryRecordHealthCheckId: primaryCheckId,
    primaryDbIdentifier,
    albDnsNames,
    healthServer,
    clients,
    close: () => new Promise((resolve) => healthServer.close(() => resolve())),
  };
}

/** Creates a health check with its `Name` tag, as the stacks tag them, and returns its id. */
async function createHealthCheck(route53: Route53Client, name: string, config: HealthCheckConfig): Promise<string> {
  const created = await route53.send(
    new CreateHealthCheckCommand({ CallerReference: `drill-${name}-${Date.now()}`, HealthCheckConfig: config }),
  );
  const id = String(created.HealthCheck?.Id);
  await route53.send(
    new ChangeTagsForResourceCommand({
      ResourceType: 'healthcheck',
      ResourceId: id,
      AddTags: [{ Key: 'Name', Value: name }],
    }),
  );
  return id;
}

/**
 * The HTTPS check of the primary's `/health` on its regional name, as `endpointHealthCheck` in
 * lib/origin-failover.ts declares it: the primary's endpoint check and the standby's observer.
 */
function endpointHealthCheckConfig(names: PlatformNames, config: PlatformConfig): HealthCheckConfig {
  const failover = config.edge.originFailover;
  return {
    Type: 'HTTPS',
    FullyQualifiedDomainName: names.regionalOriginDomainName('primary'),
    ResourcePath: HEALTH_CHECK_PATH,
    Port: 443,
    EnableSNI: true,
    RequestInterval: failover.healthCheckIntervalSeconds,
    FailureThreshold: failover.healthCheckFailureThreshold,
  };
}

/**
 * A loopback stand-in of the standby service's `GET /health`: healthy, with `writesEnabled` read
 * from the standby's write switch on every request (the real service polls it every 10 s).
 */
async function startStandbyStandIn(ssm: SSMClient, parameterName: string): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url !== '/health') {
      response.writeHead(404).end();
      return;
    }
    ssm
      .send(new GetParameterCommand({ Name: parameterName }))
      .then((out) => ({ status: 'healthy', writesEnabled: out.Parameter?.Value === 'on' }))
      .catch(() => ({ status: 'degraded', writesEnabled: false }))
      .then((body) => {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** The parts of the world the runbook changes, read back for assertions. */
export async function observeWorld(world: DrillWorld, config: PlatformConfig) {
  const names = new PlatformNames(config);
  const { clients, targets } = world;
  const [replica, group, standbySwitch, primarySwitch, alarm, records, metrics] = await Promise.all([
    clients.rds.standby.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: targets.dbInstanceIdentifier })),
    clients.autoscaling.standby.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [targets.autoScalingGroupName] }),
    ),
    clients.ssm.standby.send(new GetParameterCommand({ Name: names.writeSwitchParameterName() })),
    clients.ssm.primary.send(new GetParameterCommand({ Name: names.writeSwitchParameterName() })),
    clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [names.failoverSwitchAlarmName()] })),
    clients.route53.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: world.hostedZoneId,
        StartRecordName: names.originDomainName(),
      }),
    ),
    clients.cloudwatch.send(new ListMetricsCommand({ Namespace: names.failoverMetricsNamespace() })),
  ]);
  const db = replica.DBInstances?.[0];
  const asg = group.AutoScalingGroups?.[0];
  return {
    replica: {
      standalone: !db?.ReadReplicaSourceDBInstanceIdentifier,
      status: db?.DBInstanceStatus,
      multiAz: db?.MultiAZ,
      backupRetentionDays: db?.BackupRetentionPeriod,
    },
    fleet: { min: asg?.MinSize, desired: asg?.DesiredCapacity, max: asg?.MaxSize, instances: asg?.Instances?.length },
    writeSwitch: { standby: standbySwitch.Parameter?.Value, primary: primarySwitch.Parameter?.Value },
    switchAlarm: alarm.MetricAlarms?.[0]?.StateValue,
    records: (records.ResourceRecordSets ?? [])
      .filter((r) => r.Failover)
      .map((r) => ({
        type: r.Type,
        setIdentifier: r.SetIdentifier,
        failover: r.Failover,
        healthCheckId: r.HealthCheckId,
        ttl: r.TTL,
        targets: (r.ResourceRecords ?? []).map((v) => v.Value),
        alias: r.AliasTarget?.DNSName,
      }))
      .sort((a, b) => String(a.setIdentifier).localeCompare(String(b.setIdentifier))),
    metricNames: [...new Set((metrics.Metrics ?? []).map((m) => m.MetricName))].sort(),
  };
}
