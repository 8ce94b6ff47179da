import * as ec2 from 'aws-cdk-lib/aws-ec2';

/** Port the service listens on (HTTPS); above 1024 so that it runs without privileges. */
export const SERVICE_PORT = 8443;

/** Where the user data puts each piece of the service on an instance. */
export const SERVICE_PATHS = {
  /** The esbuild bundle downloaded from the asset. */
  bundle: '/opt/photo-api/server.js',
  /** `KEY=value` lines from the environment SSM parameter, read by systemd. */
  environmentFile: '/etc/photo-api/env',
  /** The instance's self-signed certificate and key, generated at boot. */
  tlsCertificate: '/etc/photo-api/tls/cert.pem',
  tlsKey: '/etc/photo-api/tls/key.pem',
  /** The RDS certificate authorities of the region, for `DB_SSL=verify-full`. */
  databaseCaBundle: '/etc/photo-api/rds-ca-bundle.pem',
  /** The service's stdout and stderr, shipped by the CloudWatch agent. */
  serviceLog: '/var/log/photo-api/service.log',
  systemdUnit: '/etc/systemd/system/photo-api.service',
  cloudWatchAgentConfig: '/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json',
  /** The Prometheus scrape configuration the agent reads (JSON, which is YAML too). */
  prometheusScrapeConfig: '/opt/aws/amazon-cloudwatch-agent/etc/prometheus.yaml',
} as const;

/** The Prometheus job name the agent gives the service's `/metrics`: the `job` dimension of every scraped metric. */
export const SERVICE_METRICS_JOB = 'photo-api';

/**
 * The service's Prometheus metrics (`app/src/metrics.ts`) the agent ships to CloudWatch, each with
 * the labels that become dimensions besides `job`. Counters arrive as the increase since the
 * previous scrape (the agent drops the first scrape of each series), so the `Sum` over a period is
 * the count in that period, summed over the instances; gauges arrive as scraped.
 */
export const SCRAPED_SERVICE_METRICS = {
  postsCreated: { name: 'posts_created_total', labels: [] },
  uploadsIssued: { name: 'media_uploads_issued_total', labels: [] },
  logins: { name: 'logins_total', labels: ['result'] },
  feedCache: { name: 'feed_cache_requests_total', labels: ['result'] },
  poolConnections: { name: 'db_pool_connections', labels: ['pool', 'state'] },
  breakerState: { name: 'circuit_breaker_state', labels: ['breaker'] },
} as const satisfies Record<string, { name: string; labels: readonly string[] }>;

/** Seconds between two scrapes of the service's `/metrics`. */
export const SERVICE_METRICS_SCRAPE_SECONDS = 60;

/**
 * The Node.js runtime from the Amazon Linux 2023 repositories. AL2023 installs versioned runtimes
 * side by side with a suffixed binary (`nodejs22` provides `/usr/bin/node-22`); the bundle targets
 * the same major version (`app/bundle.ts`).
 */
export const NODE_PACKAGE = 'nodejs22';
export const NODE_BINARY = '/usr/bin/node-22';

/** Seconds systemd waits after SIGTERM before it kills the service; above the service's 25 s drain. */
export const SERVICE_STOP_TIMEOUT_SECONDS = 40;

/** Options of {@link serviceUserData}. */
export interface ServiceUserDataOptions {
  /** S3 bucket and key of the bundled service (`server.js`). */
  readonly bundleBucketName: string;
  readonly bundleObjectKey: string;

  /** SSM parameter holding the service's environment as `KEY=value` lines (no secrets). */
  readonly environmentParameterName: string;

  /** Region of the instance (for the AWS CLI and the RDS CA bundle). */
  readonly region: string;

  /** Log group the CloudWatch agent ships the service log to. */
  readonly serviceLogGroupName: string;

  /** CloudWatch namespace of the agent's memory and disk metrics and of the service's scraped metrics. */
  readonly metricsNamespace: string;

  /** Log group the agent writes the scraped metrics to, as embedded metric format events. */
  readonly serviceMetricsLogGroupName: string;
}

/**
 * Boot script of an Amazon Linux 2023 (arm64) instance of the fleet: installs Node.js and the
 * CloudWatch agent from the OS repositories, downloads the bundle, generates the instance's TLS
 * certificate, writes the environment file from SSM, installs and starts a systemd unit that
 * restarts the service on failure, and starts the agent. Secrets never appear here: the
 * environment carries secret ARNs that the service resolves itself.
 */
export function serviceUserData(options: ServiceUserDataOptions): ec2.UserData {
  const userData = ec2.UserData.forLinux();
  const p = SERVICE_PATHS;
  userData.addCommands(
    'set -euo pipefail',
    `dnf install -y ${NODE_PACKAGE} amazon-cloudwatch-agent openssl logrotate`,
    'useradd --system --home-dir /opt/photo-api --shell /sbin/nologin photo-api',
    'install -d -o root -g photo-api -m 0750 /opt/photo-api /etc/photo-api /etc/photo-api/tls',
    'install -d -o photo-api -g photo-api -m 0750 /var/log/photo-api',

    // The bundle, from the CDK asset bucket (through the VPC's S3 gateway endpoint).
    `aws s3 cp --only-show-errors --region ${options.region} s3://${options.bundleBucketName}/${options.bundleObjectKey} ${p.bundle}`,
    `chown root:photo-api ${p.bundle} && chmod 0640 ${p.bundle}`,

    // A per-instance certificate: the ALB encrypts to the target but does not verify its certificate.
    `openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 825 -subj "/CN=$(hostname -f)" -keyout ${p.tlsKey} -out ${p.tlsCertificate}`,
    `chown root:photo-api ${p.tlsKey} ${p.tlsCertificate} && chmod 0640 ${p.tlsKey} ${p.tlsCertificate}`,
    `curl -fsS --retry 5 -o ${p.databaseCaBundle} https://truststore.pki.rds.amazonaws.com/${options.region}/${options.region}-bundle.pem`,
    `chmod 0644 ${p.databaseCaBundle}`,

    // Non-secret settings; secret values stay in Secrets Manager.
    `aws ssm get-parameter --region ${options.region} --name ${options.environmentParameterName} --query Parameter.Value --output text > ${p.environmentFile}`,
    `chown root:photo-api ${p.environmentFile} && chmod 0640 ${p.environmentFile}`,

    heredoc(p.systemdUnit, systemdUnit()),
    heredoc('/etc/logrotate.d/photo-api', logrotateConfig()),
    heredoc(p.prometheusScrapeConfig, JSON.stringify(prometheusScrapeConfig(), null, 2)),
    heredoc(p.cloudWatchAgentConfig, JSON.stringify(cloudWatchAgentConfig(options), null, 2)),
    `/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:${p.cloudWatchAgentConfig}`,

    'systemctl daemon-reload',
    'systemctl enable --now photo-api.service',
  );
  return userData;
}

/** The systemd unit of the service: restarts on failure, drains on stop, runs unprivileged and confined. */
export function systemdUnit(): string {
  const p = SERVICE_PATHS;
  return [
    '[Unit]',
    'Description=photo-platform API service',
    'Wants=network-online.target',
    'After=network-online.target',
    // Give up restarting after 10 failures in 5 minutes: the ELB health check then replaces the instance.
    'StartLimitIntervalSec=300',
    'StartLimitBurst=10',
    '',
    '[Service]',
    'Type=simple',
    'User=photo-api',
    'Group=photo-api',
    `EnvironmentFile=${p.environmentFile}`,
    `ExecStart=${NODE_BINARY} ${p.bundle}`,
    'Restart=on-failure',
    'RestartSec=2',
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${SERVICE_STOP_TIMEOUT_SECONDS}`,
    `StandardOutput=append:${p.serviceLog}`,
    `StandardError=append:${p.serviceLog}`,
    'NoNewPrivileges=true',
    'ProtectSystem=strict',
    'ProtectHome=true',
    'PrivateTmp=true',
    'ReadWritePaths=/var/log/photo-api',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
  ].join('\n');
}

function logrotateConfig(): string {
  return [
    `${SERVICE_PATHS.serviceLog} {`,
    '  daily',
    '  rotate 3',
    '  maxsize 500M',
    '  compress',
    '  missingok',
    '  notifempty',
    // systemd keeps the file open: truncate in place rather than move it away.
    '  copytruncate',
    '}',
  ].join('\n');
}

/**
 * CloudWatch agent configuration: the service log; memory and root-disk use per instance; and the
 * service's business and cache metrics, scraped from its `/metrics` and written as embedded metric
 * format events, from which CloudWatch extracts them into the fleet namespace.
 */
export function cloudWatchAgentConfig(options: ServiceUserDataOptions) {
  return {
    agent: { metrics_collection_interval: 60 },
    logs: {
      metrics_collected: {
        prometheus: {
          log_group_name: options.serviceMetricsLogGroupName,
          prometheus_config_path: SERVICE_PATHS.prometheusScrapeConfig,
          emf_processor: {
            metric_declaration_dedup: true,
            metric_namespace: options.metricsNamespace,
            metric_declaration: Object.values(SCRAPED_SERVICE_METRICS).map((metric) => ({
              source_labels: ['job'],
              label_matcher: `^${SERVICE_METRICS_JOB}$`,
              dimensions: [['job', ...metric.labels]],
              metric_selectors: [`^${metric.name}$`],
            })),
          },
        },
      },
      logs_collected: {
        files: {
          collect_list: [
            {
              file_path: SERVICE_PATHS.serviceLog,
              log_group_name: options.serviceLogGroupName,
              log_stream_name: '{instance_id}',
            },
          ],
        },
      },
    },
    metrics: {
      namespace: options.metricsNamespace,
      // The agent's own placeholder syntax, filled in on the instance.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: not a JavaScript template
      append_dimensions: { InstanceId: '${aws:InstanceId}' },
      // One fleet-wide series besides the per-instance ones (no dimension at all).
      aggregation_dimensions: [[]],
      metrics_collected: {
        mem: { measurement: ['mem_used_percent'] },
        disk: { measurement: ['used_percent'], resources: ['/'], drop_device: true },
      },
    },
  };
}

/**
 * The agent's Prometheus scrape of the service on its own instance: HTTPS on the service port with
 * the instance's self-signed certificate (hence no verification, over the loopback interface), and
 * only the shipped metrics kept, so the embedded-metric events stay small.
 */
export function prometheusScrapeConfig() {
  const interval = `${SERVICE_METRICS_SCRAPE_SECONDS}s`;
  return {
    global: { scrape_interval: interval, scrape_timeout: '10s' },
    scrape_configs: [
      {
        job_name: SERVICE_METRICS_JOB,
        scheme: 'https',
        metrics_path: '/metrics',
        tls_config: { insecure_skip_verify: true },
        static_configs: [{ targets: [`localhost:${SERVICE_PORT}`] }],
        metric_relabel_configs: [
          {
            source_labels: ['__name__'],
            regex: `(${Object.values(SCRAPED_SERVICE_METRICS)
              .map((metric) => metric.name)
              .join('|')})`,
            action: 'keep',
          },
        ],
      },
    ],
  };
}

/** A shell command writing `content` to `path` verbatim (a quoted heredoc expands nothing). */
function heredoc(path: string, content: string): string {
  return `cat > ${path} <<'PHOTO_API_EOF'\n${content}\nPHOTO_API_EOF`;
}
