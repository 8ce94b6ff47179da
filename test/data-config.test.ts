import { productionData, validateData } from '../lib/config/data';
import { buildPlatform, configProblemsFor as problemsFor } from './helpers/platform';

process.env.CDK_VALIDATION = 'false';

const primaryData = (data: Record<string, unknown>) => ({ primary: { data } });

describe('bad data-tier combinations fail synth with the key, the value and what is allowed', () => {
  test('10 OpenSearch data nodes with Multi-AZ with Standby on', () => {
    expect(problemsFor(primaryData({ search: { multiAzWithStandby: true } }))).toEqual([
      {
        key: 'primary.data.search.dataNodes',
        value: 10,
        allowed:
          'a multiple of 3 when multiAzWithStandby is true (for example 9 or 12), or set multiAzWithStandby to false',
      },
    ]);
  });

  test('3 Kafka brokers on 2 subnets', () => {
    expect(problemsFor(primaryData({ streaming: { subnets: 2 } }))).toEqual([
      {
        key: 'primary.data.streaming.brokers',
        value: 3,
        allowed: 'a multiple of subnets (2) from 2 to 30: MSK places the same number of brokers in each subnet',
      },
    ]);
  });

  test('Redis automatic failover with no replicas', () => {
    const problems = problemsFor(primaryData({ cache: { replicasPerShard: 0, multiAz: false } }));

    expect(problems).toEqual([
      {
        key: 'primary.data.cache.automaticFailover',
        value: true,
        allowed: 'false when replicasPerShard is 0: automatic failover promotes a replica, so each shard needs one',
      },
    ]);
  });

  test.each([
    ['the same hour', '05:00-05:30', 'sun:05:15-sun:05:45'],
    ['a window across midnight', '23:45-00:30', 'wed:00:00-wed:00:30'],
    ['a maintenance window across the week boundary', '23:30-00:30', 'sat:23:00-sun:00:00'],
  ])('overlapping RDS backup and maintenance windows: %s', (_case, backupWindow, maintenanceWindow) => {
    expect(
      problemsFor(primaryData({ database: { backupWindow, maintenanceWindow }, backup: { firstHourUtc: 2 } })),
    ).toEqual([
      {
        key: 'primary.data.database.maintenanceWindow',
        value: maintenanceWindow,
        allowed: `a window that does not overlap the daily window ${backupWindow} (primary.data.database.backupWindow)`,
      },
    ]);
  });

  test('windows that only touch do not overlap', () => {
    expect(() =>
      buildPlatform({
        context: {
          overrides: primaryData({
            database: { backupWindow: '03:00-03:30', maintenanceWindow: 'mon:03:30-mon:04:00' },
          }),
        },
      }),
    ).not.toThrow();
  });

  test('overlapping Redis snapshot and maintenance windows', () => {
    expect(
      problemsFor({
        standby: { data: { cache: { snapshotWindow: '06:30-07:30', maintenanceWindow: 'sun:06:00-sun:07:00' } } },
      }),
    ).toEqual([
      {
        key: 'standby.data.cache.maintenanceWindow',
        value: 'sun:06:00-sun:07:00',
        allowed: 'a window that does not overlap the daily window 06:30-07:30 (standby.data.cache.snapshotWindow)',
      },
    ]);
  });

  test('an AWS Backup start window too close to the RDS backup window', () => {
    // RDS backs up 03:00-03:30; a plan starting at 02:00, 08:00, ... with a 60-minute window ends 30
    // minutes before it.
    expect(problemsFor(primaryData({ backup: { firstHourUtc: 2 } }))).toEqual([
      {
        key: 'primary.data.backup.firstHourUtc',
        value: 2,
        allowed:
          'start hours whose start windows stay 60 minutes clear of the RDS backup window 03:00-03:30 ' +
          '(the backup starting at 2:00 UTC does not)',
      },
    ]);
  });

  test('the primary must have a backup plan', () => {
    const { backup: _removed, ...withoutBackup } = productionData('primary');

    expect(validateData(withoutBackup, 'primary', 'primary.data', 3, [30, 90])).toContainEqual(
      expect.objectContaining({
        key: 'primary.data.backup',
        allowed: 'a backup plan: the primary database is backed up',
      }),
    );
    // Through overrides, a section cannot be replaced by a non-object at all.
    expect(problemsFor(primaryData({ backup: null }))).toEqual([
      expect.objectContaining({ key: 'overrides.primary.data.backup', value: null }),
    ]);
  });

  test('the standby has no backup plan of its own: its database is a replica', () => {
    expect(validateData(productionData('primary'), 'standby', 'standby.data', 3, [30, 90])).toContainEqual(
      expect.objectContaining({ key: 'standby.data.backup', allowed: expect.stringMatching(/^nothing: /) }),
    );
  });

  test('the standby database cannot have in-region replicas while it is a replica', () => {
    expect(problemsFor({ standby: { data: { database: { readReplicas: 2 } } } })).toEqual([
      expect.objectContaining({ key: 'standby.data.database.readReplicas', value: 2 }),
    ]);
  });

  test('PostgreSQL on the default port is refused', () => {
    expect(problemsFor(primaryData({ database: { port: 5432 } }))).toEqual([
      expect.objectContaining({ key: 'primary.data.database.port', value: 5432 }),
    ]);
  });

  test('one synth reports every problem at once', () => {
    const keys = problemsFor({
      primary: { data: { search: { multiAzWithStandby: true }, streaming: { subnets: 2 } } },
      standby: { data: { cache: { replicasPerShard: 0, multiAz: false } } },
    }).map((p) => p.key);

    expect(keys).toEqual([
      'primary.data.streaming.brokers',
      'primary.data.search.dataNodes',
      'standby.data.cache.automaticFailover',
    ]);
  });
});

describe("the shipped profiles carry the seed's decisions", () => {
  test.each(['production', 'development'] as const)('%s validates', (profile) => {
    expect(() => buildPlatform({ context: { profile } })).not.toThrow();
  });

  test('production keeps 10 OpenSearch data nodes with Multi-AZ with Standby explicitly off', () => {
    const { config } = buildPlatform();

    expect(config.primary.data.search).toMatchObject({
      dataNodes: 10,
      masterNodes: 3,
      availabilityZones: 3,
      multiAzWithStandby: false,
    });
  });
});
