import { loadConfig } from '../lib/config/load';
import { formatRtoBudget, RTO_BUDGET_DEFAULTS, rtoBudget } from '../lib/rto-budget';
import { RUNBOOK_DEFAULTS } from '../lib/runbook-defaults';
import { CDK_JSON_CONTEXT } from './helpers/platform';

const configFor = (profile: 'production' | 'development') =>
  loadConfig((key) => ({ ...CDK_JSON_CONTEXT, profile })[key]);

const FIFTEEN_MINUTES = 15 * 60;

test.each(['production', 'development'] as const)('the %s budget fits in 15 minutes', (profile) => {
  const budget = rtoBudget(configFor(profile));

  expect(budget.totalSeconds).toBeLessThanOrEqual(FIFTEEN_MINUTES);
  expect(budget.withinObjective).toBe(true);
});

test('the default budget, term by term', () => {
  const budget = rtoBudget(configFor('production'));

  expect(Object.fromEntries(budget.terms.map((t) => [t.name, t.seconds]))).toEqual({
    detection: 30, // the edge config's 10 s x 3 failures
    'on-call response': 120,
    'runbook overhead': 60,
    // promotion 420 + 30 s poll = 450 s, longer than warm-up 300 + ALB registration 2 x 30 s = 360 s
    'promotion or scale-out, whichever is longer': 450,
    'DNS TTL': 60,
    'write switch': 10,
    verification: 15,
  });
  expect(budget.totalSeconds).toBe(745);
  expect(budget.objectiveSeconds).toBe(FIFTEEN_MINUTES);
});

test('the defaults are the runbook’s', () => {
  expect(RTO_BUDGET_DEFAULTS).toMatchObject({
    healthCheckIntervalSeconds: 30,
    healthCheckFailureThreshold: 3,
    dnsTtlSeconds: RUNBOOK_DEFAULTS.dnsTtlSeconds,
    promotionTimeoutSeconds: RUNBOOK_DEFAULTS.promotionTimeoutSeconds,
    objectiveSeconds: 900,
  });
});

test('detection and the TTL come from the edge config', () => {
  const config = configFor('production');
  const slowChecks = {
    ...config,
    edge: {
      ...config.edge,
      originFailover: {
        healthCheckIntervalSeconds: 30 as const,
        healthCheckFailureThreshold: 5,
        recordTtlSeconds: 120,
      },
    },
  };
  const terms = Object.fromEntries(rtoBudget(slowChecks).terms.map((t) => [t.name, t.seconds]));

  expect(terms.detection).toBe(150);
  expect(terms['DNS TTL']).toBe(120);
});

test('synth refuses a config whose budget exceeds 15 minutes, naming the terms', () => {
  const slow = JSON.stringify({
    edge: {
      originFailover: { recordTtlSeconds: 300, healthCheckIntervalSeconds: 30, healthCheckFailureThreshold: 10 },
    },
  });

  expect(() => loadConfig((key) => ({ ...CDK_JSON_CONTEXT, overrides: slow })[key])).toThrow(
    /edge\.originFailover, standby\.fleet: got "an RTO budget of 1255 s \(detection 300 s, .*DNS TTL 300 s.*\)"; allowed: settings whose budget fits the 900 s objective/,
  );
});

test('the fleet’s warm-up comes from the config', () => {
  const config = configFor('production');
  const slowBoot = {
    ...config,
    standby: { ...config.standby, fleet: { ...config.standby.fleet, healthCheckGracePeriodSeconds: 600 } },
  };

  const term = rtoBudget(slowBoot).terms.find((t) => t.name.startsWith('promotion or scale-out'));

  expect(term?.seconds).toBe(660);
});

test.each([
  ['the seed’s 5-minute TTL', { dnsTtlSeconds: 300 }, 985],
  ['an 11-minute promotion bound', { promotionTimeoutSeconds: 660 }, 985],
  ['a 5-minute on-call response', { onCallResponseSeconds: 300 }, 925],
])('%s exceeds 15 minutes, and the budget says so', (_label, overrides, total) => {
  const budget = rtoBudget(configFor('production'), overrides);

  expect(budget.totalSeconds).toBe(total);
  expect(budget.withinObjective).toBe(false);
  expect(formatRtoBudget(budget)).toMatch(/total +\d+ s {2}\(objective 900 s: OVER\)/);
});

test('a bad parameter names itself, the value and what is allowed', () => {
  expect(() => rtoBudget(configFor('production'), { healthCheckIntervalSeconds: 20, dnsTtlSeconds: -1 })).toThrow(
    /rtoBudget\.healthCheckIntervalSeconds: got 20; allowed: 10 or 30[\s\S]*rtoBudget\.dnsTtlSeconds: got -1/,
  );
});
