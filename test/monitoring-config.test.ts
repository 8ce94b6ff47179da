import { ALERT_NAMES, alertThreshold, alertWindowSeconds, monitoringProfile } from '../lib/config/monitoring';
import { PROFILE_NAMES } from '../lib/config/profiles';
import { configProblemsFor as problemsFor } from './helpers/platform';

process.env.CDK_VALIDATION = 'false';

const alerts = (role: 'primary' | 'standby', patch: Record<string, unknown>) => ({
  [role]: { monitoring: { alerts: patch } },
});

describe.each(PROFILE_NAMES)('the %s profile carries the design document alerts', (profile) => {
  test.each(['primary', 'standby'] as const)('%s', (role) => {
    const config = monitoringProfile(profile, role).alerts;

    expect([config.highErrorRate.thresholdRatio, alertWindowSeconds(config.highErrorRate)]).toEqual([0.05, 300]);
    expect(config.highErrorRate.severity).toBe('critical');
    expect(alertWindowSeconds(config.databaseDown)).toBe(60);
    expect(config.databaseDown.severity).toBe('critical');
    expect([config.highLatency.thresholdSeconds, alertWindowSeconds(config.highLatency)]).toEqual([1, 300]);
    expect(config.highLatency.severity).toBe('warning');
    expect([config.lowCacheHitRate.thresholdRatio, alertWindowSeconds(config.lowCacheHitRate)]).toEqual([0.8, 600]);
    expect(config.lowCacheHitRate.severity).toBe('warning');
  });
});

test('every alert has one-minute periods and a threshold where its condition needs one', () => {
  const config = monitoringProfile('production', 'primary').alerts;

  for (const name of ALERT_NAMES) expect(config[name].periodSeconds).toBe(60);
  expect(ALERT_NAMES.filter((name) => alertThreshold(config, name) === undefined)).toEqual([
    'databaseDown',
    'fleetBelowFloor',
    'searchClusterRed',
    'searchClusterYellow',
  ]);
});

describe('bad monitoring values fail synth with the key, the value and what is allowed', () => {
  test.each([
    [
      'an error-rate threshold given as a percentage',
      alerts('primary', { highErrorRate: { thresholdRatio: 5 } }),
      'primary.monitoring.alerts.highErrorRate.thresholdRatio',
      5,
      'a fraction from 0 to 1',
    ],
    [
      'a period that is not a whole minute',
      alerts('standby', { highLatency: { periodSeconds: 90 } }),
      'standby.monitoring.alerts.highLatency.periodSeconds',
      90,
      'a multiple of 60 seconds, up to 86400',
    ],
    [
      'zero evaluation periods',
      alerts('primary', { lowCacheHitRate: { evaluationPeriods: 0 } }),
      'primary.monitoring.alerts.lowCacheHitRate.evaluationPeriods',
      0,
      'an integer from 1 whose periods add up to at most one day',
    ],
    [
      'a window longer than a day',
      alerts('primary', { fleetCpuHigh: { evaluationPeriods: 1441 } }),
      'primary.monitoring.alerts.fleetCpuHigh.evaluationPeriods',
      1441,
      'an integer from 1 whose periods add up to at most one day',
    ],
    [
      'an unknown severity',
      alerts('primary', { slowQueries: { severity: 'page' } }),
      'primary.monitoring.alerts.slowQueries.severity',
      'page',
      'one of critical, warning',
    ],
    [
      'a fractional connection count',
      alerts('standby', { databaseConnectionsHigh: { thresholdCount: 12.5 } }),
      'standby.monitoring.alerts.databaseConnectionsHigh.thresholdCount',
      12.5,
      'an integer from 0 to 262143 (the PostgreSQL max_connections ceiling)',
    ],
    [
      'a CPU threshold above 100 %',
      alerts('primary', { databaseCpuHigh: { thresholdPercent: 120 } }),
      'primary.monitoring.alerts.databaseCpuHigh.thresholdPercent',
      120,
      'a percentage from 1 to 100',
    ],
    [
      'a negative latency',
      alerts('primary', { highLatency: { thresholdSeconds: -1 } }),
      'primary.monitoring.alerts.highLatency.thresholdSeconds',
      -1,
      'a number of seconds from 0.001 to 60',
    ],
    [
      'an alert that is not an object (refused as an override, before validation)',
      alerts('primary', { slowQueries: 3 }),
      'overrides.primary.monitoring.alerts.slowQueries',
      3,
      'an object with some of the keys periodSeconds, evaluationPeriods, severity, thresholdCount',
    ],
    [
      'a heartbeat window of zero',
      { primary: { monitoring: { failoverSuppression: { heartbeatWindowMinutes: 0 } } } },
      'primary.monitoring.failoverSuppression.heartbeatWindowMinutes',
      0,
      'an integer from 1 to 60 minutes',
    ],
    [
      'a suppression extension below a minute',
      { standby: { monitoring: { failoverSuppression: { extensionPeriodSeconds: 30 } } } },
      'standby.monitoring.failoverSuppression.extensionPeriodSeconds',
      30,
      'an integer from 60 to 86400 seconds',
    ],
  ])('%s', (_case, overrides, key, value, allowed) => {
    expect(problemsFor(overrides)).toEqual([{ key, value, allowed }]);
  });

  test('the design document pages on the error rate; it cannot be turned into a warning', () => {
    expect(problemsFor(alerts('primary', { highErrorRate: { severity: 'warning' } }))).toEqual([
      {
        key: 'primary.monitoring.alerts.highErrorRate.severity',
        value: 'warning',
        allowed: 'critical: the design document pages on it',
      },
    ]);
  });

  test('an alert every failover trips cannot page', () => {
    expect(problemsFor(alerts('standby', { lowCacheHitRate: { severity: 'critical' } }))).toEqual([
      {
        key: 'standby.monitoring.alerts.lowCacheHitRate.severity',
        value: 'critical',
        allowed: 'warning: every failover trips it in the region taking over, so it must not page',
      },
    ]);
  });

  test('the infrastructure composite needs at least one warning to watch', () => {
    const infrastructure = ALERT_NAMES.filter(
      (name) => !['highErrorRate', 'databaseDown', 'highLatency', 'lowCacheHitRate', 'fleetCpuHigh'].includes(name),
    );
    const problems = problemsFor(
      alerts('primary', Object.fromEntries(infrastructure.map((name) => [name, { severity: 'critical' }]))),
    );

    expect(problems).toEqual([
      {
        key: 'primary.monitoring.alerts',
        value: Object.fromEntries(infrastructure.map((name) => [name, 'critical'])),
        allowed:
          'at least one infrastructure alert of severity warning, for the InfrastructureDegraded composite alarm to watch',
      },
    ]);
  });

  test('an unknown alert is refused by name', () => {
    expect(problemsFor(alerts('primary', { highErrorrate: {} }))).toEqual([
      expect.objectContaining({ key: 'overrides.primary.monitoring.alerts.highErrorrate' }),
    ]);
  });
});
