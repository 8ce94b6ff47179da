import { stringify } from 'yaml';
import {
  type AlertName,
  type AlertsConfig,
  alertWindowSeconds,
  type MonitoringConfig,
  monitoringProfile,
} from './config/monitoring';

/** One Prometheus alerting rule. */
export interface PrometheusRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A Prometheus rules file: groups of rules. */
export interface PrometheusRules {
  readonly groups: readonly { readonly name: string; readonly rules: readonly PrometheusRule[] }[];
}

/** The alerts the rules file carries: those a scrape of the service's `/metrics` can evaluate. */
export const PROMETHEUS_ALERTS = ['highErrorRate', 'databaseDown', 'highLatency', 'lowCacheHitRate'] as const;

/** Where the rules file lives, from the repository root; `npm run render:prometheus-rules` writes it. */
export const PROMETHEUS_RULES_PATH = 'monitoring/prometheus-rules.yml';

/**
 * Routes that are not user traffic: the ALB's health checks and the metrics scrape. The ALB's
 * RequestCount leaves health checks out, so the rules do too.
 */
const NOT_TRAFFIC = 'route!~"/health|/metrics"';

/**
 * The design document's four alerts as Prometheus rules over the service's own metrics
 * (`app/src/metrics.ts`), from the same config as the CloudWatch alarms: the same thresholds,
 * windows (`for:` and each rate's range) and severities. Every range equals the alert's window,
 * so the 1-minute DatabaseDown rule needs a scrape interval of 30 s or less.
 *
 * Where the sources differ, the rule says so: the service does not see the ALB's own 5xx, and its
 * cache metric is the feed's lookups, not every Redis command (the CloudWatch alarm reads Redis).
 */
export function prometheusRules(config: MonitoringConfig): PrometheusRules {
  const alerts = config.alerts;
  const range = (alert: AlertName) => duration(alertWindowSeconds(alerts[alert]));
  const rule = (
    alert: (typeof PROMETHEUS_ALERTS)[number],
    expr: string,
    annotations: Record<string, string>,
  ): PrometheusRule => ({
    alert: alert.charAt(0).toUpperCase() + alert.slice(1),
    expr,
    for: range(alert),
    labels: labels(alerts, alert),
    annotations,
  });

  return {
    groups: [
      {
        name: 'photo-platform',
        rules: [
          rule(
            'highErrorRate',
            `sum(rate(http_requests_total{status=~"5..",${NOT_TRAFFIC}}[${range('highErrorRate')}])) / ` +
              `sum(rate(http_requests_total{${NOT_TRAFFIC}}[${range('highErrorRate')}])) > ${alerts.highErrorRate.thresholdRatio}`,
            {
              summary: 'High error rate detected',
              description: '{{ $value | humanizePercentage }} of requests are failing (the ALB adds its own 5xx)',
            },
          ),
          // The service's /health answers 200 only while its database ping succeeds; no 200 from any
          // instance (or no instance scraped at all) is the database down, as the CloudWatch alarm reads it.
          rule(
            'databaseDown',
            `(sum(rate(http_requests_total{route="/health",status="200"}[${range('databaseDown')}])) or vector(0)) == 0`,
            { summary: 'PostgreSQL database is down: no instance passes its health check' },
          ),
          rule(
            'highLatency',
            `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{${NOT_TRAFFIC}}[${range('highLatency')}]))) > ${alerts.highLatency.thresholdSeconds}`,
            {
              summary: `p99 latency > ${alerts.highLatency.thresholdSeconds} second`,
              description: `99% of requests taking > ${alerts.highLatency.thresholdSeconds}s`,
            },
          ),
          rule(
            'lowCacheHitRate',
            `sum(rate(feed_cache_requests_total{result="hit"}[${range('lowCacheHitRate')}])) / ` +
              `sum(rate(feed_cache_requests_total{result=~"hit|miss"}[${range('lowCacheHitRate')}])) < ${alerts.lowCacheHitRate.thresholdRatio}`,
            { summary: `Feed cache hit rate below ${alerts.lowCacheHitRate.thresholdRatio * 100}%` },
          ),
        ],
      },
    ],
  };
}

/**
 * The rules file's text: the rules of the production primary's config (the four alerts carry the
 * design document's numbers in every profile and role), with a header saying where it comes from.
 */
export function renderPrometheusRules(config: MonitoringConfig = monitoringProfile('production', 'primary')): string {
  const header = [
    "# Prometheus alerting rules for teams that scrape the photo API service's /metrics.",
    '# Generated from lib/config/monitoring.ts by `npm run render:prometheus-rules`: edit the config, not this file.',
    '# The same thresholds, windows and severities as the CloudWatch alarms of lib/monitoring.ts',
    '# (test/prometheus-rules.test.ts holds them equal). Each rate range equals its alert window, so',
    '# scrape the service every 30 s or more often.',
  ];
  return `${header.join('\n')}\n${stringify(prometheusRules(config), { lineWidth: 0 })}`;
}

/** The design document's labels: the severity, and `page: ops-team` on what pages. */
function labels(alerts: AlertsConfig, alert: AlertName): Record<string, string> {
  const severity = alerts[alert].severity;
  return severity === 'critical' ? { severity, page: 'ops-team' } : { severity };
}

/** A Prometheus duration: whole minutes as `5m`, anything else in seconds. */
function duration(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}
