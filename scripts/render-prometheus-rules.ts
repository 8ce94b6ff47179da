/**
 * Writes the Prometheus rules file from the production profile's monitoring config, the same
 * config the CloudWatch alarms come from. test/prometheus-rules.test.ts fails when the file and
 * the config disagree.
 *
 *   npm run render:prometheus-rules
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROMETHEUS_RULES_PATH, renderPrometheusRules } from '../lib/prometheus-rules';

const path = join(__dirname, '..', PROMETHEUS_RULES_PATH);
writeFileSync(path, renderPrometheusRules());
process.stdout.write(`wrote ${PROMETHEUS_RULES_PATH}\n`);
