import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { monitoringProfile } from '../lib/config/monitoring';
import {
  PROMETHEUS_ALERTS,
  PROMETHEUS_RULES_PATH,
  type PrometheusRules,
  prometheusRules,
  renderPrometheusRules,
} from '../lib/prometheus-rules';
import { platformFor } from './helpers/platform';

process.env.CDK_VALIDATION = 'false';

const text = readFileSync(join(__dirname, '..', PROMETHEUS_RULES_PATH), 'utf8');
const file = parse(text) as PrometheusRules;
const rules = file.groups.flatMap((group) => group.rules);

/** `[5m]` → 300, `1m` → 60. */
function seconds(duration: string): number {
  const match = /^(\d+)([sm])$/.exec(duration);
  if (!match) throw new Error(`not a duration: ${duration}`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}

/** The comparison at the end of a rule's expression and its threshold. */
function condition(expr: string): { operator: string; threshold: number } {
  const match = /\s(>|<|==)\s(-?[\d.]+)$/.exec(expr);
  if (!match) throw new Error(`no trailing comparison in ${expr}`);
  return { operator: match[1], threshold: Number(match[2]) };
}

/** The fields of a synthesized alarm the comparison reads. */
interface AlarmProps {
  AlarmName?: string;
  AlarmRule?: unknown;
  Period?: number;
  Metrics?: { MetricStat?: { Period: number }; Period?: number }[];
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  Threshold: number;
  ComparisonOperator: string;
}

/** The CloudWatch comparison each Prometheus one stands for. */
const COMPARISONS: Record<string, string> = {
  '>': 'GreaterThanThreshold',
  '<': 'LessThanThreshold',
};

test('the file is what the config renders (run npm run render:prometheus-rules after a config change)', () => {
  expect(text).toBe(renderPrometheusRules());
  expect(file).toEqual(prometheusRules(monitoringProfile('production', 'primary')));
});

test('the four alerts are the same in every profile and role, so one file serves them all', () => {
  for (const profile of ['production', 'development'] as const) {
    for (const role of ['primary', 'standby'] as const) {
      expect(prometheusRules(monitoringProfile(profile, role))).toEqual(file);
    }
  }
});

test('the rules are the design document alerts, over the service metric names', () => {
  expect(rules.map((rule) => rule.alert)).toEqual(['HighErrorRate', 'DatabaseDown', 'HighLatency', 'LowCacheHitRate']);
  expect(rules[0].expr).toBe(
    'sum(rate(http_requests_total{status=~"5..",route!~"/health|/metrics"}[5m])) / ' +
      'sum(rate(http_requests_total{route!~"/health|/metrics"}[5m])) > 0.05',
  );
  expect(rules[1].expr).toBe('(sum(rate(http_requests_total{route="/health",status="200"}[1m])) or vector(0)) == 0');
  expect(rules[2].expr).toBe(
    'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{route!~"/health|/metrics"}[5m]))) > 1',
  );
  expect(rules[3].expr).toBe(
    'sum(rate(feed_cache_requests_total{result="hit"}[10m])) / ' +
      'sum(rate(feed_cache_requests_total{result=~"hit|miss"}[10m])) < 0.8',
  );
  const metrics = readFileSync(join(__dirname, '..', 'app', 'src', 'metrics.ts'), 'utf8');
  for (const name of ['http_requests_total', 'http_request_duration_seconds', 'feed_cache_requests_total']) {
    expect(metrics).toContain(`name: '${name}'`);
  }
});

describe.each(['primary', 'standby'] as const)('the CloudWatch alarms of the production %s', (role) => {
  const build = platformFor('production');
  const stack = build.platform[role];
  const template = build.template(stack);
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: AlarmProps }>;
  const alarmProps = (suffix: string) =>
    Object.values(resources).find((r) => r.Properties?.AlarmName === `photo-prod-${role}-${suffix}`)
      ?.Properties as AlarmProps;
  const criticalRule = JSON.stringify(alarmProps('service-unhealthy').AlarmRule);
  const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

  test.each(PROMETHEUS_ALERTS.map((name, i) => [name, i] as const))(
    '%s: the same threshold, window and severity as its rule',
    (name) => {
      const rule = rules.find((r) => r.alert.toLowerCase() === name.toLowerCase());
      const alarm = alarmProps(kebab(name));
      const alarmId = stack.getLogicalId(stack.monitoring.alarms[name].node.defaultChild as never);
      const { operator, threshold } = condition(rule?.expr ?? '');
      const ranges = [...(rule?.expr ?? '').matchAll(/\[(\d+[sm])\]/g)].map((match) => seconds(match[1]));
      const period = alarm.Period ?? alarm.Metrics?.map((m) => m.MetricStat?.Period ?? m.Period).find(Boolean);

      // The window: `for:` and every rate range equal the alarm's consecutive breaching periods.
      expect(period).toBe(60);
      expect(seconds(rule?.for ?? '')).toBe(alarm.EvaluationPeriods * (period ?? 0));
      expect(alarm.DatapointsToAlarm).toBe(alarm.EvaluationPeriods);
      expect(ranges.length).toBeGreaterThan(0);
      for (const range of ranges) expect(range).toBe(seconds(rule?.for ?? ''));

      // The threshold and its direction. "No healthy target" is `== 0` over a count and `< 1` in CloudWatch.
      if (operator === '==') {
        expect([threshold, alarm.Threshold, alarm.ComparisonOperator]).toEqual([0, 1, 'LessThanThreshold']);
      } else {
        expect([threshold, COMPARISONS[operator]]).toEqual([alarm.Threshold, alarm.ComparisonOperator]);
      }

      // The severity: critical rules page, and so do exactly the alarms of the paging composite.
      expect(rule?.labels.severity).toBe(criticalRule.includes(`"${alarmId}"`) ? 'critical' : 'warning');
      expect(rule?.labels.page).toBe(rule?.labels.severity === 'critical' ? 'ops-team' : undefined);
    },
  );
});
