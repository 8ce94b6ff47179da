import type { ConfigProblem } from './errors';
import type { RegionRole } from './types';

/**
 * Sizes and settings of the data tier of one region: PostgreSQL, Redis, Kafka, OpenSearch and
 * (in the primary) the AWS Backup plan. The standby carries the same stores at warm sizes; its
 * database is the cross-region read replica of the primary.
 */
export interface DataConfig {
  readonly database: DatabaseConfig;
  readonly cache: CacheConfig;
  readonly streaming: StreamingConfig;
  readonly search: SearchConfig;

  /**
   * The AWS Backup plan of this region's database. Required in the primary; the standby has none
   * while it is a replica (the primary's recovery points are copied into the standby vault).
   * @default - no backup plan in this region
   */
  readonly backup?: BackupConfig;
}

/** RDS for PostgreSQL. */
export interface DatabaseConfig {
  /** PostgreSQL version with the minor pinned, for example `17.9`; minor upgrades are deliberate. */
  readonly engineVersion: string;

  /** Instance class without the `db.` prefix, for example `r7g.2xlarge`. */
  readonly instanceType: string;

  /** TCP port; not 5432, so that scans for the default port find nothing. */
  readonly port: number;

  /** Storage allocated at creation, in GiB (gp3). */
  readonly allocatedStorageGiB: number;

  /** Ceiling of RDS storage autoscaling, in GiB. */
  readonly maxAllocatedStorageGiB: number;

  /** A synchronous standby in a second AZ (for the standby's replica: once promoted). */
  readonly multiAz: boolean;

  /** In-region read replicas, spread round-robin over the three AZs; 0 in the standby region. */
  readonly readReplicas: number;

  /** Days of automated backups; point-in-time recovery reaches back this far. */
  readonly backupRetentionDays: number;

  /** Daily automated backup window, `hh:mm-hh:mm` in UTC. */
  readonly backupWindow: string;

  /** Weekly maintenance window, `ddd:hh:mm-ddd:hh:mm` in UTC; never overlaps `backupWindow`. */
  readonly maintenanceWindow: string;

  /** Performance Insights retention: 7, a multiple of 31 up to 713, or 731 days. */
  readonly performanceInsightsRetentionDays: number;

  /** Enhanced monitoring granularity, in seconds: 1, 5, 10, 15, 30 or 60. */
  readonly monitoringIntervalSeconds: number;

  /**
   * The RPO budget: a replica lagging behind the primary by more than this many seconds raises
   * the `ReplicaLag` alarm (in-region replicas and the cross-region replica).
   */
  readonly rpoBudgetSeconds: number;

  /** Days the exported PostgreSQL logs are kept in CloudWatch Logs. */
  readonly logRetentionDays: number;
}

/** ElastiCache for Redis OSS, cluster mode enabled. */
export interface CacheConfig {
  /** Redis OSS engine version, for example `7.1`. */
  readonly engineVersion: string;

  /** Node type, for example `cache.r7g.large`. */
  readonly nodeType: string;

  /** TCP port; not 6379, so that scans for the default port find nothing. */
  readonly port: number;

  /** Shards (node groups). */
  readonly shards: number;

  /** Replicas per shard; automatic failover needs at least one. */
  readonly replicasPerShard: number;

  /** Promote a replica when a shard's primary fails. */
  readonly automaticFailover: boolean;

  /** Place each shard's replica in another AZ than its primary. */
  readonly multiAz: boolean;

  /** Days each automatic daily snapshot is kept (ElastiCache allows up to 35). */
  readonly snapshotRetentionDays: number;

  /** Daily automatic snapshot window, `hh:mm-hh:mm` in UTC. */
  readonly snapshotWindow: string;

  /** Weekly maintenance window, `ddd:hh:mm-ddd:hh:mm` in UTC; never overlaps `snapshotWindow`. */
  readonly maintenanceWindow: string;

  /**
   * Take a snapshot every hour on top of the daily one (EventBridge Scheduler), kept as a ring of
   * 24 snapshots named by hour of day.
   */
  readonly hourlySnapshots: boolean;
}

/** Amazon MSK (provisioned). */
export interface StreamingConfig {
  /** Apache Kafka version as MSK names it, for example `3.8.x`. */
  readonly kafkaVersion: string;

  /** Broker instance type, for example `kafka.m7g.large`. */
  readonly brokerInstanceType: string;

  /** Brokers in total; a multiple of `subnets`. */
  readonly brokers: number;

  /** Private subnets (one per AZ) the brokers spread over: 2 or 3. */
  readonly subnets: number;

  /** EBS volume of each broker at creation, in GiB. */
  readonly volumeSizeGiB: number;

  /** Ceiling of broker storage autoscaling, in GiB. */
  readonly maxVolumeSizeGiB: number;

  /** Broker disk use, in percent, that storage autoscaling keeps each broker under. */
  readonly storageTargetUtilizationPercent: number;

  /** MSK enhanced monitoring level. */
  readonly enhancedMonitoring: 'PER_BROKER' | 'PER_TOPIC_PER_BROKER' | 'PER_TOPIC_PER_PARTITION';

  /** Days broker logs are kept in CloudWatch Logs. */
  readonly logRetentionDays: number;
}

/** Amazon OpenSearch Service. */
export interface SearchConfig {
  /** Engine version as OpenSearch Service names it, for example `OpenSearch_2.19`. */
  readonly engineVersion: string;

  /** Data nodes in total. */
  readonly dataNodes: number;

  /** Data node instance type, for example `r7g.large.search`. */
  readonly dataNodeInstanceType: string;

  /** Dedicated master nodes: 3 or 5. */
  readonly masterNodes: number;

  /** Dedicated master instance type, for example `m7g.large.search`. */
  readonly masterNodeInstanceType: string;

  /** Availability Zones the data nodes spread over (zone awareness): 2 or 3. */
  readonly availabilityZones: number;

  /**
   * Multi-AZ with Standby: one AZ's nodes serve no traffic and take over when another AZ fails.
   * It needs a data-node count divisible by 3 and 3 AZs. Production keeps the seed's 10 data nodes,
   * so standby is explicitly off (new CDK apps would turn it on by default): the 10 nodes all serve,
   * and zone awareness with one replica per shard survives the loss of one AZ.
   */
  readonly multiAzWithStandby: boolean;

  /** EBS volume per data node, in GiB (gp3). */
  readonly volumeSizeGiB: number;

  /** Days slow and error logs are kept in CloudWatch Logs. */
  readonly logRetentionDays: number;
}

/** AWS Backup plan for the database, copied into the standby region. */
export interface BackupConfig {
  /** Hours between backups; divides 24. */
  readonly intervalHours: number;

  /** UTC hour of the first backup of the day; the others follow every `intervalHours`. */
  readonly firstHourUtc: number;

  /** Minutes a backup may wait to start. */
  readonly startWindowMinutes: number;

  /** Minutes a started backup may take to finish. */
  readonly completionWindowMinutes: number;

  /** Days each recovery point (and its copy in the standby region) is kept. */
  readonly retentionDays: number;

  /**
   * Vault Lock on the standby-region vault: `compliance` makes recovery points immutable for
   * their retention once the 3-day grace period ends; `none` leaves the vault unlocked.
   */
  readonly vaultLock: 'compliance' | 'none';
}

type Check = (ok: boolean, key: string, value: unknown, allowed: string) => void;

/** RDS minimum gap between the automated backup window and any AWS Backup job, in minutes. */
export const BACKUP_WINDOW_CLEARANCE_MINUTES = 60;

/**
 * Most Redis nodes one cluster may have here: ElastiCache's default quota of 90 nodes per cluster
 * (500 only after a quota increase), which also keeps the cluster-wide hit-rate alarm's queries
 * within CloudWatch's limits (lib/monitoring.ts).
 */
const CACHE_LIMIT_NODES = 90;

/**
 * Checks one role's data tier and reports problems with the `{ key, value, allowed }` shape. Covers
 * the rules AWS enforces only at create time: window overlaps, brokers against subnets, nodes
 * against standby, replicas against automatic failover.
 */
export function validateData(
  data: DataConfig,
  role: RegionRole,
  key: string,
  azCount: number,
  logRetentionDays: readonly number[],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const check: Check = (ok, k, value, allowed) => {
    if (!ok) problems.push({ key: k, value, allowed });
  };
  validateDatabase(data.database, role, `${key}.database`, check);
  check(
    logRetentionDays.includes(data.database.logRetentionDays),
    `${key}.database.logRetentionDays`,
    data.database.logRetentionDays,
    `one of the CloudWatch Logs retention periods: ${logRetentionDays.join(', ')}`,
  );
  validateCache(data.cache, `${key}.cache`, azCount, check);
  validateStreaming(data.streaming, `${key}.streaming`, azCount, logRetentionDays, check);
  validateSearch(data.search, `${key}.search`, azCount, logRetentionDays, check);
  if (role === 'primary') {
    check(data.backup != null, `${key}.backup`, data.backup, 'a backup plan: the primary database is backed up');
  } else {
    check(
      data.backup == null,
      `${key}.backup`,
      data.backup,
      "nothing: the standby's database is a replica, and the primary's backups are copied into its vault",
    );
  }
  if (data.backup != null) validateBackup(data.backup, data.database, `${key}.backup`, check);
  return problems;
}

function validateDatabase(db: DatabaseConfig, role: RegionRole, key: string, check: Check): void {
  check(
    typeof db.engineVersion === 'string' && /^1[678]\.\d+$/.test(db.engineVersion),
    `${key}.engineVersion`,
    db.engineVersion,
    'a PostgreSQL 16, 17 or 18 version with the minor pinned, such as 17.9',
  );
  check(
    typeof db.instanceType === 'string' && /^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(db.instanceType),
    `${key}.instanceType`,
    db.instanceType,
    'an RDS instance class without the db. prefix, such as r7g.2xlarge',
  );
  check(
    isIntegerBetween(db.port, 1150, 65535) && db.port !== 5432,
    `${key}.port`,
    db.port,
    'an integer port from 1150 to 65535 other than the default 5432',
  );
  check(
    isIntegerBetween(db.allocatedStorageGiB, 20, 65536),
    `${key}.allocatedStorageGiB`,
    db.allocatedStorageGiB,
    'an integer from 20 to 65536',
  );
  check(
    isIntegerBetween(db.maxAllocatedStorageGiB, 20, 65536) && db.maxAllocatedStorageGiB >= db.allocatedStorageGiB,
    `${key}.maxAllocatedStorageGiB`,
    db.maxAllocatedStorageGiB,
    `an integer from allocatedStorageGiB (${db.allocatedStorageGiB}) to 65536`,
  );
  check(typeof db.multiAz === 'boolean', `${key}.multiAz`, db.multiAz, 'true or false');
  if (role === 'primary') {
    check(
      isIntegerBetween(db.readReplicas, 0, 15),
      `${key}.readReplicas`,
      db.readReplicas,
      'an integer from 0 to 15 (the RDS limit of read replicas per source)',
    );
  } else {
    check(
      db.readReplicas === 0,
      `${key}.readReplicas`,
      db.readReplicas,
      '0: the standby database is itself a replica; add in-region replicas after promotion',
    );
  }
  check(
    isIntegerBetween(db.backupRetentionDays, 1, 35),
    `${key}.backupRetentionDays`,
    db.backupRetentionDays,
    'an integer from 1 to 35 days',
  );
  check(
    [7, 731].includes(db.performanceInsightsRetentionDays) ||
      (isIntegerBetween(db.performanceInsightsRetentionDays, 31, 713) &&
        db.performanceInsightsRetentionDays % 31 === 0),
    `${key}.performanceInsightsRetentionDays`,
    db.performanceInsightsRetentionDays,
    '7, a multiple of 31 up to 713, or 731',
  );
  check(
    [1, 5, 10, 15, 30, 60].includes(db.monitoringIntervalSeconds),
    `${key}.monitoringIntervalSeconds`,
    db.monitoringIntervalSeconds,
    'one of 1, 5, 10, 15, 30, 60',
  );
  check(
    isIntegerBetween(db.rpoBudgetSeconds, 1, 3600),
    `${key}.rpoBudgetSeconds`,
    db.rpoBudgetSeconds,
    'an integer number of seconds from 1 to 3600',
  );
  checkWindows(db.backupWindow, db.maintenanceWindow, `${key}.backupWindow`, `${key}.maintenanceWindow`, check);
}

function validateCache(cache: CacheConfig, key: string, azCount: number, check: Check): void {
  check(
    typeof cache.engineVersion === 'string' && /^[67]\.\d+$/.test(cache.engineVersion),
    `${key}.engineVersion`,
    cache.engineVersion,
    'a Redis OSS 6 or 7 version such as 7.1',
  );
  check(
    typeof cache.nodeType === 'string' && /^cache\.[a-z0-9]+\.[a-z0-9]+$/.test(cache.nodeType),
    `${key}.nodeType`,
    cache.nodeType,
    'an ElastiCache node type such as cache.r7g.large',
  );
  check(
    isIntegerBetween(cache.port, 1024, 65535) && cache.port !== 6379,
    `${key}.port`,
    cache.port,
    'an integer port from 1024 to 65535 other than the default 6379',
  );
  check(isIntegerBetween(cache.shards, 1, 500), `${key}.shards`, cache.shards, 'an integer from 1 to 500');
  check(
    isIntegerBetween(cache.replicasPerShard, 0, 5),
    `${key}.replicasPerShard`,
    cache.replicasPerShard,
    'an integer from 0 to 5',
  );
  if (isIntegerBetween(cache.shards, 1, 500) && isIntegerBetween(cache.replicasPerShard, 0, 5)) {
    const nodes = cache.shards * (cache.replicasPerShard + 1);
    check(
      nodes <= CACHE_LIMIT_NODES,
      `${key}.shards`,
      cache.shards,
      `at most ${CACHE_LIMIT_NODES} nodes in total (shards × (replicas + 1) is ${nodes})`,
    );
  }
  check(
    !cache.automaticFailover || cache.replicasPerShard >= 1,
    `${key}.automaticFailover`,
    cache.automaticFailover,
    'false when replicasPerShard is 0: automatic failover promotes a replica, so each shard needs one',
  );
  check(
    !cache.multiAz || (cache.automaticFailover && cache.replicasPerShard >= 1),
    `${key}.multiAz`,
    cache.multiAz,
    'false unless automaticFailover is true and each shard has a replica',
  );
  check(
    !cache.multiAz || azCount >= 2,
    `${key}.multiAz`,
    cache.multiAz,
    'false when the region has fewer than 2 Availability Zones',
  );
  check(
    isIntegerBetween(cache.snapshotRetentionDays, 1, 35),
    `${key}.snapshotRetentionDays`,
    cache.snapshotRetentionDays,
    'an integer from 1 to 35 days',
  );
  check(typeof cache.hourlySnapshots === 'boolean', `${key}.hourlySnapshots`, cache.hourlySnapshots, 'true or false');
  checkWindows(
    cache.snapshotWindow,
    cache.maintenanceWindow,
    `${key}.snapshotWindow`,
    `${key}.maintenanceWindow`,
    check,
  );
}

function validateStreaming(
  streaming: StreamingConfig,
  key: string,
  azCount: number,
  logRetentionDays: readonly number[],
  check: Check,
): void {
  check(
    typeof streaming.kafkaVersion === 'string' && /^3\.\d+\.(\d+|x)$/.test(streaming.kafkaVersion),
    `${key}.kafkaVersion`,
    streaming.kafkaVersion,
    'an MSK Kafka 3 version such as 3.8.x',
  );
  check(
    typeof streaming.brokerInstanceType === 'string' &&
      /^kafka\.[a-z0-9]+\.[a-z0-9]+$/.test(streaming.brokerInstanceType),
    `${key}.brokerInstanceType`,
    streaming.brokerInstanceType,
    'an MSK broker type such as kafka.m7g.large',
  );
  check(
    isIntegerBetween(streaming.subnets, 2, Math.min(3, azCount)),
    `${key}.subnets`,
    streaming.subnets,
    `2 or 3 subnets, one per AZ, at most the ${azCount} AZs of the region`,
  );
  check(
    isIntegerBetween(streaming.brokers, 2, 30) &&
      isIntegerBetween(streaming.subnets, 2, 3) &&
      streaming.brokers % streaming.subnets === 0,
    `${key}.brokers`,
    streaming.brokers,
    `a multiple of subnets (${streaming.subnets}) from 2 to 30: MSK places the same number of brokers in each subnet`,
  );
  check(
    isIntegerBetween(streaming.volumeSizeGiB, 1, 16384),
    `${key}.volumeSizeGiB`,
    streaming.volumeSizeGiB,
    'an integer from 1 to 16384',
  );
  check(
    isIntegerBetween(streaming.maxVolumeSizeGiB, 1, 16384) && streaming.maxVolumeSizeGiB > streaming.volumeSizeGiB,
    `${key}.maxVolumeSizeGiB`,
    streaming.maxVolumeSizeGiB,
    `an integer above volumeSizeGiB (${streaming.volumeSizeGiB}) up to 16384`,
  );
  check(
    isIntegerBetween(streaming.storageTargetUtilizationPercent, 10, 80),
    `${key}.storageTargetUtilizationPercent`,
    streaming.storageTargetUtilizationPercent,
    'an integer from 10 to 80',
  );
  check(
    ['PER_BROKER', 'PER_TOPIC_PER_BROKER', 'PER_TOPIC_PER_PARTITION'].includes(streaming.enhancedMonitoring),
    `${key}.enhancedMonitoring`,
    streaming.enhancedMonitoring,
    'one of PER_BROKER, PER_TOPIC_PER_BROKER, PER_TOPIC_PER_PARTITION',
  );
  check(
    logRetentionDays.includes(streaming.logRetentionDays),
    `${key}.logRetentionDays`,
    streaming.logRetentionDays,
    `one of the CloudWatch Logs retention periods: ${logRetentionDays.join(', ')}`,
  );
}

function validateSearch(
  search: SearchConfig,
  key: string,
  azCount: number,
  logRetentionDays: readonly number[],
  check: Check,
): void {
  check(
    typeof search.engineVersion === 'string' && /^OpenSearch_\d+\.\d+$/.test(search.engineVersion),
    `${key}.engineVersion`,
    search.engineVersion,
    'an OpenSearch Service engine version such as OpenSearch_2.19',
  );
  check(
    isIntegerBetween(search.availabilityZones, 2, Math.min(3, azCount)),
    `${key}.availabilityZones`,
    search.availabilityZones,
    `2 or 3, at most the ${azCount} AZs of the region`,
  );
  check(
    isIntegerBetween(search.dataNodes, search.availabilityZones, 80),
    `${key}.dataNodes`,
    search.dataNodes,
    `an integer from availabilityZones (${search.availabilityZones}) to 80, so that every AZ holds a data node`,
  );
  check(
    search.availabilityZones !== 2 || search.dataNodes % 2 === 0,
    `${key}.dataNodes`,
    search.dataNodes,
    'an even number when the data nodes spread over 2 AZs',
  );
  check(
    [3, 5].includes(search.masterNodes),
    `${key}.masterNodes`,
    search.masterNodes,
    '3 or 5 dedicated master nodes (an odd quorum)',
  );
  check(
    typeof search.multiAzWithStandby === 'boolean',
    `${key}.multiAzWithStandby`,
    search.multiAzWithStandby,
    'true or false',
  );
  if (search.multiAzWithStandby) {
    check(
      search.dataNodes % 3 === 0,
      `${key}.dataNodes`,
      search.dataNodes,
      'a multiple of 3 when multiAzWithStandby is true (for example 9 or 12), or set multiAzWithStandby to false',
    );
    check(
      search.availabilityZones === 3,
      `${key}.availabilityZones`,
      search.availabilityZones,
      '3 when multiAzWithStandby is true',
    );
  }
  for (const type of ['dataNodeInstanceType', 'masterNodeInstanceType'] as const) {
    check(
      typeof search[type] === 'string' && /^[a-z0-9]+\.[a-z0-9]+\.search$/.test(search[type]),
      `${key}.${type}`,
      search[type],
      'an OpenSearch Service instance type such as r7g.large.search',
    );
  }
  check(
    isIntegerBetween(search.volumeSizeGiB, 10, 24576),
    `${key}.volumeSizeGiB`,
    search.volumeSizeGiB,
    'an integer from 10 to 24576',
  );
  check(
    logRetentionDays.includes(search.logRetentionDays),
    `${key}.logRetentionDays`,
    search.logRetentionDays,
    `one of the CloudWatch Logs retention periods: ${logRetentionDays.join(', ')}`,
  );
}

function validateBackup(backup: BackupConfig, db: DatabaseConfig, key: string, check: Check): void {
  check(
    [1, 2, 3, 4, 6, 8, 12, 24].includes(backup.intervalHours),
    `${key}.intervalHours`,
    backup.intervalHours,
    'one of 1, 2, 3, 4, 6, 8, 12, 24 (a divisor of 24)',
  );
  check(
    isIntegerBetween(backup.firstHourUtc, 0, 23) && backup.firstHourUtc < backup.intervalHours,
    `${key}.firstHourUtc`,
    backup.firstHourUtc,
    `an integer hour from 0 to ${backup.intervalHours - 1} (below intervalHours)`,
  );
  check(
    isIntegerBetween(backup.startWindowMinutes, 60, 720),
    `${key}.startWindowMinutes`,
    backup.startWindowMinutes,
    'an integer from 60 to 720',
  );
  check(
    isIntegerBetween(backup.completionWindowMinutes, backup.startWindowMinutes + 60, 10080),
    `${key}.completionWindowMinutes`,
    backup.completionWindowMinutes,
    `an integer from startWindowMinutes + 60 (${backup.startWindowMinutes + 60}) to 10080`,
  );
  check(
    isIntegerBetween(backup.retentionDays, 1, 36500),
    `${key}.retentionDays`,
    backup.retentionDays,
    'an integer number of days from 1 to 36500',
  );
  check(['compliance', 'none'].includes(backup.vaultLock), `${key}.vaultLock`, backup.vaultLock, 'compliance or none');

  // Each backup may start anywhere in [hour, hour + startWindow); keep that span clear of RDS's own
  // automated backup window by BACKUP_WINDOW_CLEARANCE_MINUTES on both sides.
  const rdsWindow = parseDailyWindow(db.backupWindow);
  if (rdsWindow && [1, 2, 3, 4, 6, 8, 12, 24].includes(backup.intervalHours)) {
    const clearance = BACKUP_WINDOW_CLEARANCE_MINUTES;
    const guarded = { start: rdsWindow.start - clearance, end: rdsWindow.end + clearance };
    const clash = backupStartHours(backup).find((hour) =>
      intervalsOverlapOnCircle({ start: hour * 60, end: hour * 60 + backup.startWindowMinutes }, guarded, DAY),
    );
    check(
      clash === undefined,
      `${key}.firstHourUtc`,
      backup.firstHourUtc,
      `start hours whose start windows stay ${clearance} minutes clear of the RDS backup window ` +
        `${db.backupWindow} (the backup starting at ${clash}:00 UTC does not)`,
    );
  }
}

/** UTC hours at which the plan's backups start. */
export function backupStartHours(backup: BackupConfig): number[] {
  const hours: number[] = [];
  for (let hour = backup.firstHourUtc; hour < 24; hour += backup.intervalHours) hours.push(hour);
  return hours;
}

const DAY = 24 * 60;
const WEEK = 7 * DAY;
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** A span in minutes; `end` may pass the cycle's length when the span wraps. */
interface Span {
  readonly start: number;
  readonly end: number;
}

/** Parses `hh:mm-hh:mm` (UTC) into minutes of the day. */
export function parseDailyWindow(value: unknown): Span | undefined {
  const match = typeof value === 'string' ? /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/.exec(value) : null;
  if (!match) return undefined;
  const start = Number(match[1]) * 60 + Number(match[2]);
  let end = Number(match[3]) * 60 + Number(match[4]);
  if (end <= start) end += DAY;
  return { start, end };
}

/** Parses `ddd:hh:mm-ddd:hh:mm` (UTC) into minutes of the week starting Sunday 00:00. */
export function parseWeeklyWindow(value: unknown): Span | undefined {
  const match =
    typeof value === 'string'
      ? /^(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):([0-5]\d)-(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):([0-5]\d)$/.exec(
          value,
        )
      : null;
  if (!match) return undefined;
  const at = (day: string, h: string, m: string) => WEEKDAYS.indexOf(day) * DAY + Number(h) * 60 + Number(m);
  const start = at(match[1], match[2], match[3]);
  let end = at(match[4], match[5], match[6]);
  if (end <= start) end += WEEK;
  return { start, end };
}

/** True when two spans on a cycle of `length` minutes share a minute. */
function intervalsOverlapOnCircle(a: Span, b: Span, length: number): boolean {
  for (const shift of [-length, 0, length]) {
    if (a.start < b.end + shift && b.start + shift < a.end) return true;
  }
  return false;
}

/**
 * Checks a daily window (backups, snapshots) and a weekly maintenance window: well formed, at least
 * 30 minutes (the daily one) and never overlapping on any day of the week.
 */
function checkWindows(daily: string, weekly: string, dailyKey: string, weeklyKey: string, check: Check): void {
  const day = parseDailyWindow(daily);
  const week = parseWeeklyWindow(weekly);
  check(
    day !== undefined && day.end - day.start >= 30,
    dailyKey,
    daily,
    'a daily UTC window hh:mm-hh:mm of at least 30 minutes, such as 03:00-03:30',
  );
  check(
    week !== undefined && week.end - week.start >= 30,
    weeklyKey,
    weekly,
    'a weekly UTC window ddd:hh:mm-ddd:hh:mm of at least 30 minutes, such as sun:05:00-sun:05:30',
  );
  if (!day || !week) return;
  const clash = [0, 1, 2, 3, 4, 5, 6].some((d) =>
    intervalsOverlapOnCircle({ start: day.start + d * DAY, end: day.end + d * DAY }, week, WEEK),
  );
  check(!clash, weeklyKey, weekly, `a window that does not overlap the daily window ${daily} (${dailyKey})`);
}

function isIntegerBetween(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/**
 * The seed's data tier: PostgreSQL with a Multi-AZ primary and replicas in each AZ, a 32-node
 * Redis cluster (16 shards × 1 replica), 3 Kafka brokers and 10 OpenSearch data nodes. The seed's
 * 150 PostgreSQL nodes describe application-level shards, which this platform does not declare:
 * one primary with its replicas (RDS allows 15 per source) is the unit a shard would repeat.
 */
export function productionData(role: RegionRole): DataConfig {
  const primary = role === 'primary';
  return {
    database: {
      engineVersion: '17.9',
      instanceType: primary ? 'r7g.2xlarge' : 'r7g.xlarge',
      port: 5433,
      allocatedStorageGiB: 1000,
      maxAllocatedStorageGiB: 4000,
      multiAz: true,
      readReplicas: primary ? 3 : 0,
      backupRetentionDays: 30,
      backupWindow: '03:00-03:30',
      maintenanceWindow: 'sun:05:00-sun:05:30',
      performanceInsightsRetentionDays: 31,
      monitoringIntervalSeconds: 15,
      rpoBudgetSeconds: 30,
      logRetentionDays: 90,
    },
    cache: {
      engineVersion: '7.1',
      nodeType: primary ? 'cache.r7g.large' : 'cache.r7g.large',
      port: 6380,
      shards: primary ? 16 : 4,
      replicasPerShard: 1,
      automaticFailover: true,
      multiAz: true,
      snapshotRetentionDays: 7,
      snapshotWindow: '04:00-05:00',
      maintenanceWindow: 'sun:06:00-sun:07:00',
      hourlySnapshots: primary,
    },
    streaming: {
      kafkaVersion: '3.8.x',
      brokerInstanceType: primary ? 'kafka.m7g.large' : 'kafka.m7g.large',
      brokers: 3,
      subnets: 3,
      volumeSizeGiB: primary ? 1000 : 250,
      maxVolumeSizeGiB: 4000,
      storageTargetUtilizationPercent: 60,
      enhancedMonitoring: 'PER_TOPIC_PER_BROKER',
      logRetentionDays: 90,
    },
    search: {
      engineVersion: 'OpenSearch_2.19',
      dataNodes: primary ? 10 : 3,
      dataNodeInstanceType: primary ? 'r7g.large.search' : 'r7g.large.search',
      masterNodes: 3,
      masterNodeInstanceType: 'm7g.large.search',
      availabilityZones: 3,
      multiAzWithStandby: false,
      volumeSizeGiB: primary ? 500 : 100,
      logRetentionDays: 90,
    },
    backup: primary
      ? {
          intervalHours: 6,
          firstHourUtc: 0,
          startWindowMinutes: 60,
          completionWindowMinutes: 240,
          retentionDays: 30,
          vaultLock: 'compliance',
        }
      : undefined,
  };
}

/** The same topology at the smallest sizes that exercise every feature (no vault lock). */
export function developmentData(role: RegionRole): DataConfig {
  const primary = role === 'primary';
  return {
    database: {
      engineVersion: '17.9',
      instanceType: 't4g.medium',
      port: 5433,
      allocatedStorageGiB: 20,
      maxAllocatedStorageGiB: 100,
      multiAz: true,
      readReplicas: primary ? 1 : 0,
      backupRetentionDays: 7,
      backupWindow: '03:00-03:30',
      maintenanceWindow: 'sun:05:00-sun:05:30',
      performanceInsightsRetentionDays: 7,
      monitoringIntervalSeconds: 60,
      rpoBudgetSeconds: 60,
      logRetentionDays: 30,
    },
    cache: {
      engineVersion: '7.1',
      nodeType: 'cache.t4g.small',
      port: 6380,
      shards: 1,
      replicasPerShard: 1,
      automaticFailover: true,
      multiAz: true,
      snapshotRetentionDays: 1,
      snapshotWindow: '04:00-05:00',
      maintenanceWindow: 'sun:06:00-sun:07:00',
      hourlySnapshots: false,
    },
    streaming: {
      kafkaVersion: '3.8.x',
      brokerInstanceType: 'kafka.m7g.large',
      brokers: 3,
      subnets: 3,
      volumeSizeGiB: 20,
      maxVolumeSizeGiB: 100,
      storageTargetUtilizationPercent: 60,
      enhancedMonitoring: 'PER_BROKER',
      logRetentionDays: 30,
    },
    search: {
      engineVersion: 'OpenSearch_2.19',
      dataNodes: 3,
      dataNodeInstanceType: 'm7g.large.search',
      masterNodes: 3,
      masterNodeInstanceType: 'm7g.large.search',
      availabilityZones: 3,
      multiAzWithStandby: false,
      volumeSizeGiB: 20,
      logRetentionDays: 30,
    },
    backup: primary
      ? {
          intervalHours: 6,
          firstHourUtc: 0,
          startWindowMinutes: 60,
          completionWindowMinutes: 240,
          retentionDays: 7,
          vaultLock: 'none',
        }
      : undefined,
  };
}
