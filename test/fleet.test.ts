import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { fleetProfile, validateFleet } from '../lib/config/fleet';
import { HEALTH_CHECK_PATH, LOAD_BALANCER_SSL_POLICY, TIER_ENVIRONMENT_KEYS } from '../lib/fleet';
import {
  cloudWatchAgentConfig,
  NODE_BINARY,
  prometheusScrapeConfig,
  SCRAPED_SERVICE_METRICS,
  SERVICE_METRICS_JOB,
  SERVICE_PATHS,
  SERVICE_PORT,
} from '../lib/fleet-user-data';
import { ServiceBundle } from '../lib/service-bundle';
import type { RegionalStack } from '../lib/stacks/regional-stack';
import { configProblemsFor, platformFor } from './helpers/platform';
import { probeFleet } from './helpers/probe-fleet';

process.env.CDK_VALIDATION = 'false';

const cases = (['production', 'development'] as const).flatMap((profile) =>
  (['primary', 'standby'] as const).map((role) => [profile, role] as const),
);

/** The seed's numbers, which the production profile must carry in both regions. */
const SEED = {
  scaleOut: { threshold: 70, adjustment: 10, cooldown: '300' },
  scaleIn: { threshold: 30, adjustment: -5, cooldown: '600' },
  healthCheck: { path: '/health', interval: 30, unhealthyThreshold: 2 },
  primary: { min: '50', max: '500', desired: '100' },
  standby: { min: '6', max: '500' },
} as const;

function onlyResource(template: Template, type: string, props: Record<string, unknown> = {}) {
  const found = Object.values(template.findResources(type, { Properties: props }));
  expect(found).toHaveLength(1);
  return found[0];
}

describe('production: the seed numbers', () => {
  const build = platformFor('production');

  test.each(['primary', 'standby'] as const)('%s group size', (role) => {
    const group = onlyResource(build.template(build.platform[role]), 'AWS::AutoScaling::AutoScalingGroup');

    expect(group.Properties.MinSize).toBe(SEED[role].min);
    expect(group.Properties.MaxSize).toBe(SEED[role].max);
    if (role === 'primary') expect(group.Properties.DesiredCapacity).toBe(SEED.primary.desired);
    else expect(group.Properties).not.toHaveProperty('DesiredCapacity');
  });

  test.each(['primary', 'standby'] as const)(
    '%s scaling: +10 above 70 %% then 300 s, -5 below 30 %% then 600 s',
    (role) => {
      const template = build.template(build.platform[role]);
      for (const direction of ['scaleOut', 'scaleIn'] as const) {
        const seed = SEED[direction];
        template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
          PolicyType: 'SimpleScaling',
          AdjustmentType: 'ChangeInCapacity',
          ScalingAdjustment: seed.adjustment,
          Cooldown: seed.cooldown,
        });
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: 'CPUUtilization',
          Statistic: 'Average',
          Threshold: seed.threshold,
          ComparisonOperator: direction === 'scaleOut' ? 'GreaterThanThreshold' : 'LessThanThreshold',
        });
      }
    },
  );

  test.each(['primary', 'standby'] as const)('%s health check: GET /health every 30 s, 2 failures', (role) => {
    build.template(build.platform[role]).hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: SEED.healthCheck.path,
      HealthCheckIntervalSeconds: SEED.healthCheck.interval,
      UnhealthyThresholdCount: SEED.healthCheck.unhealthyThreshold,
    });
  });
});

describe.each(cases)('fleet of the %s %s region', (profile, role) => {
  const build = platformFor(profile);
  const stack: RegionalStack = build.platform[role];
  const template = build.template(stack);
  const fleet = build.config[role].fleet;
  const groupLogicalId = () => stack.getLogicalId(stack.fleet.autoScalingGroup.node.defaultChild as never);

  test('the group has the configured bounds; desired capacity only in the primary, only at creation', () => {
    const group = onlyResource(template, 'AWS::AutoScaling::AutoScalingGroup');

    expect(group.Properties.MinSize).toBe(String(fleet.minCapacity));
    expect(group.Properties.MaxSize).toBe(String(fleet.maxCapacity));
    if (role === 'primary') {
      expect(fleet.desiredCapacityAtCreation).toBeDefined();
      expect(group.Properties.DesiredCapacity).toBe(String(fleet.desiredCapacityAtCreation));
    } else {
      expect(group.Properties).not.toHaveProperty('DesiredCapacity');
    }
    // Deploys leave a running group's size alone unless the template's size values change.
    expect(group.UpdatePolicy.AutoScalingScheduledAction).toEqual({ IgnoreUnmodifiedGroupSizeProperties: true });
  });

  test('a launch-template change rolls the group with an instance refresh', () => {
    const group = onlyResource(template, 'AWS::AutoScaling::AutoScalingGroup');

    expect(group.UpdatePolicy.AutoScalingInstanceRefresh).toEqual({
      Strategy: 'Rolling',
      Preferences: {
        MinHealthyPercentage: fleet.instanceRefreshMinHealthyPercent,
        MaxHealthyPercentage: fleet.instanceRefreshMinHealthyPercent + 20,
        InstanceWarmup: fleet.healthCheckGracePeriodSeconds,
      },
    });
    expect(group.UpdatePolicy).not.toHaveProperty('AutoScalingReplacingUpdate');
  });

  test('the group spans the three private subnets with ELB health checks and a boot grace period', () => {
    const group = onlyResource(template, 'AWS::AutoScaling::AutoScalingGroup');
    const privateSubnets = stack.network.vpc.privateSubnets.map((subnet) => stack.resolve(subnet.subnetId));

    expect(group.Properties.VPCZoneIdentifier).toEqual(privateSubnets);
    expect(privateSubnets).toHaveLength(3);
    expect(group.Properties.HealthCheckType).toBe('ELB');
    expect(group.Properties.HealthCheckGracePeriod).toBe(fleet.healthCheckGracePeriodSeconds);
    expect(group.Properties.TargetGroupARNs).toEqual([stack.resolve(stack.fleet.targetGroup.targetGroupArn)]);
  });

  test('exactly two SimpleScaling policies carry the cooldowns; no step or target-tracking policy', () => {
    const policies = Object.values(template.findResources('AWS::AutoScaling::ScalingPolicy'));

    expect(policies.map((p) => p.Properties.PolicyType)).toEqual(['SimpleScaling', 'SimpleScaling']);
    expect(policies.filter((p) => p.Properties.PolicyType === 'StepScaling' && 'Cooldown' in p.Properties)).toEqual([]);
    template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      AutoScalingGroupName: { Ref: groupLogicalId() },
      PolicyType: 'SimpleScaling',
      AdjustmentType: 'ChangeInCapacity',
      ScalingAdjustment: fleet.scaleOut.adjustment,
      Cooldown: String(fleet.scaleOut.cooldownSeconds),
    });
    template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
      AutoScalingGroupName: { Ref: groupLogicalId() },
      PolicyType: 'SimpleScaling',
      AdjustmentType: 'ChangeInCapacity',
      ScalingAdjustment: -fleet.scaleIn.adjustment,
      Cooldown: String(fleet.scaleIn.cooldownSeconds),
    });
  });

  test.each([
    ['scaleOut', 'GreaterThanThreshold', 'ScaleOutPolicy'],
    ['scaleIn', 'LessThanThreshold', 'ScaleInPolicy'],
  ] as const)('the %s alarm watches the group average CPU and runs its own policy', (direction, operator, policyId) => {
    const policy = fleet[direction];
    const policyLogicalId = stack.getLogicalId(stack.fleet.node.findChild(policyId) as never);

    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/EC2',
      MetricName: 'CPUUtilization',
      Dimensions: [{ Name: 'AutoScalingGroupName', Value: { Ref: groupLogicalId() } }],
      Statistic: 'Average',
      Period: policy.periodSeconds,
      EvaluationPeriods: policy.evaluationPeriods,
      DatapointsToAlarm: policy.evaluationPeriods,
      Threshold: policy.cpuThresholdPercent,
      ComparisonOperator: operator,
      AlarmActions: [{ 'Fn::GetAtt': [policyLogicalId, 'Arn'] }],
    });
  });

  test('the target group checks GET /health over HTTPS on the service port', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Protocol: 'HTTPS',
      Port: SERVICE_PORT,
      TargetType: 'instance',
      HealthCheckProtocol: 'HTTPS',
      HealthCheckPath: HEALTH_CHECK_PATH,
      HealthCheckIntervalSeconds: fleet.healthCheck.intervalSeconds,
      HealthCheckTimeoutSeconds: fleet.healthCheck.timeoutSeconds,
      HealthyThresholdCount: fleet.healthCheck.healthyThreshold,
      UnhealthyThresholdCount: fleet.healthCheck.unhealthyThreshold,
      Matcher: { HttpCode: '200' },
      TargetGroupAttributes: Match.arrayWith([
        { Key: 'deregistration_delay.timeout_seconds', Value: String(fleet.healthCheck.deregistrationDelaySeconds) },
      ]),
    });
  });

  test('HTTPS listener with a TLS 1.3 policy and the region certificate; port 80 only redirects', () => {
    expect(LOAD_BALANCER_SSL_POLICY).toMatch(/^ELBSecurityPolicy-TLS13-/);
    // The listener's actions (a 403 by default) are test/origin-verify.test.ts's.
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-2-Res-2021-06',
      Certificates: [{ CertificateArn: stack.resolve(stack.fleet.certificate.certificateArn) }],
      DefaultActions: [Match.objectLike({ Type: 'fixed-response' })],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
      ],
    });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
  });

  test('the ALB is internet-facing over the public subnets, drops invalid headers, logs to SSE-S3', () => {
    const lb = fleet.loadBalancer;
    const publicSubnets = stack.network.vpc.publicSubnets.map((subnet) => stack.resolve(subnet.subnetId));

    const alb = onlyResource(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const accessLogBucketId = stack.getLogicalId(stack.fleet.node.findChild('AccessLogs').node.defaultChild as never);
    const attributes = Object.fromEntries(
      alb.Properties.LoadBalancerAttributes.map((a: { Key: string; Value: unknown }) => [a.Key, a.Value]),
    );

    expect(alb.Properties.Scheme).toBe('internet-facing');
    expect(alb.Properties.Subnets).toEqual(publicSubnets);
    expect(attributes).toMatchObject({
      'deletion_protection.enabled': String(lb.deletionProtection),
      'routing.http.drop_invalid_header_fields.enabled': 'true',
      'idle_timeout.timeout_seconds': String(lb.idleTimeoutSeconds),
      'client_keep_alive.seconds': String(lb.clientKeepAliveSeconds),
      'access_logs.s3.enabled': 'true',
      'access_logs.s3.bucket': { Ref: accessLogBucketId },
    });
    expect(template.findResources('AWS::S3::Bucket')[accessLogBucketId].Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: lb.accessLogRetentionDays, Status: 'Enabled' }] },
    });
    expect(lb.deletionProtection).toBe(profile === 'production');
  });

  test('the certificate names the regional origin with the failover origin as SAN, DNS-validated in the zone', () => {
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: `${stack.region}.origin.${build.config.domainName}`,
      SubjectAlternativeNames: [`origin.${build.config.domainName}`],
      ValidationMethod: 'DNS',
      DomainValidationOptions: Match.arrayWith([
        { DomainName: `origin.${build.config.domainName}`, HostedZoneId: build.config.hostedZoneId },
      ]),
    });
  });

  test('the launch template: Graviton AL2023, IMDSv2 required, encrypted gp3 root, no key pair, detailed monitoring', () => {
    const launchTemplate = onlyResource(template, 'AWS::EC2::LaunchTemplate');
    const data = launchTemplate.Properties.LaunchTemplateData;

    expect(data.InstanceType).toBe(fleet.instanceType);
    expect(data.MetadataOptions).toEqual({ HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
    expect(data.BlockDeviceMappings).toEqual([
      {
        DeviceName: '/dev/xvda',
        Ebs: { VolumeType: 'gp3', Encrypted: true, VolumeSize: fleet.rootVolumeGiB, DeleteOnTermination: true },
      },
    ]);
    expect(data).not.toHaveProperty('KeyName');
    expect(data.Monitoring).toEqual({ Enabled: true });
    expect(data.SecurityGroupIds).toEqual([stack.resolve(stack.fleetSecurityGroup.securityGroupId)]);
    expect(JSON.stringify(data.ImageId)).toMatch(/al2023.*arm64/i);
  });

  test('only the ALB reaches the instances, on the service port', () => {
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: stack.resolve(stack.fleetSecurityGroup.securityGroupId),
      SourceSecurityGroupId: stack.resolve(stack.fleet.loadBalancer.connections.securityGroups[0].securityGroupId),
      FromPort: SERVICE_PORT,
      ToPort: SERVICE_PORT,
    });
  });

  test('the service environment parameter holds the fleet-owned settings and no secret value', () => {
    const parameter = onlyResource(template, 'AWS::SSM::Parameter', {
      Description: Match.stringLikeRegexp('environment of the photo API'),
    });
    const text = JSON.stringify(parameter.Properties.Value);

    for (const line of [
      `PORT=${SERVICE_PORT}`,
      `TLS_CERT_FILE=${SERVICE_PATHS.tlsCertificate}`,
      `TLS_KEY_FILE=${SERVICE_PATHS.tlsKey}`,
      'DB_SSL=verify-full',
      `DB_CA_FILE=${SERVICE_PATHS.databaseCaBundle}`,
      `AWS_REGION=${stack.region}`,
      `LOG_LEVEL=${fleet.logLevel}`,
      'JWT_SECRET_ARN=',
      'WRITE_SWITCH_PARAMETER=',
    ]) {
      expect(text).toContain(line);
    }
    expect(text).not.toMatch(/resolve:secretsmanager/);
  });

  test('the write switch exists in this region, on, under the shared name', () => {
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: `/${build.config.stackNamePrefix}/service/writes-enabled`,
      Value: 'on',
    });
  });

  test('the instance role reads only its own bundle object and settings; Session Manager replaces SSH', () => {
    const role = onlyResource(template, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })],
      }),
    });
    expect(JSON.stringify(role.Properties.ManagedPolicyArns)).toContain('AmazonSSMManagedInstanceCore');

    const asset = stack.serviceBundle.asset;
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(stack.fleet.instanceRole.node.defaultChild as never) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:GetObject',
            Resource: stack.resolve(`arn:aws:s3:::${asset.s3BucketName}/${asset.s3ObjectKey}`),
          }),
          Match.objectLike({ Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: Match.anyValue() }),
        ]),
      },
    });
  });

  test('synth warns about neither cooldowns nor desired capacity', () => {
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue());
    const texts = warnings.map((warning) => JSON.stringify(warning.entry.data));

    expect(texts.filter((text) => /cooldown|desired/i.test(text))).toEqual([]);
  });
});

describe('the JWT signing key', () => {
  const build = platformFor('production');

  test('the primary generates it and replicates it to the standby region under the shared name', () => {
    build.template(build.platform.primary).hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'photo-prod/service/jwt-signing-key',
      ReplicaRegions: [{ Region: 'us-west-2' }],
      GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
    });
  });

  test('the standby creates no signing key and reads the replica by name', () => {
    const template = build.template(build.platform.standby);

    expect(template.findResources('AWS::SecretsManager::Secret', { Properties: { Name: Match.anyValue() } })).toEqual(
      {},
    );
    expect(JSON.stringify(template.toJSON())).toContain(
      'arn:aws:secretsmanager:us-west-2:123456789012:secret:photo-prod/service/jwt-signing-key',
    );
  });
});

describe('user data', () => {
  const build = platformFor('production');
  const stack = build.platform.primary;
  const script = String(stack.resolve(stack.fleet.launchTemplate.userData?.render()));
  const rendered = JSON.stringify(stack.resolve(stack.fleet.launchTemplate.userData?.render()));

  test('installs Node.js and the CloudWatch agent from the OS repositories', () => {
    expect(rendered).toContain('dnf install -y nodejs22 amazon-cloudwatch-agent');
  });

  test('downloads the bundle from the asset to the path the unit runs', () => {
    const asset = stack.serviceBundle.asset;
    const download = `s3://${stack.resolve(asset.s3BucketName)}/${asset.s3ObjectKey} ${SERVICE_PATHS.bundle}`;

    expect(rendered).toContain(download);
    expect(asset.s3ObjectKey).toMatch(/\.js$/);
  });

  test('installs a systemd unit that runs the bundle with the env file and restarts on failure', () => {
    const unit = /cat > \/etc\/systemd\/system\/photo-api.service <<'PHOTO_API_EOF'\\n(.*?)\\nPHOTO_API_EOF/.exec(
      rendered,
    )?.[1];

    expect(unit).toBeDefined();
    const lines = (unit ?? '').split('\\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        '[Service]',
        `ExecStart=${NODE_BINARY} ${SERVICE_PATHS.bundle}`,
        `EnvironmentFile=${SERVICE_PATHS.environmentFile}`,
        'Restart=on-failure',
        'User=photo-api',
        'TimeoutStopSec=40',
        'WantedBy=multi-user.target',
      ]),
    );
    expect(rendered).toContain('systemctl enable --now photo-api.service');
  });

  test('writes the env file from the SSM parameter and generates the instance certificate', () => {
    const parameterName = stack.resolve(stack.fleet.environmentParameter.parameterName);

    expect(JSON.stringify(stack.resolve(stack.fleet.launchTemplate.userData?.render()))).toContain(
      JSON.stringify(parameterName),
    );
    expect(rendered).toContain(`--query Parameter.Value --output text > ${SERVICE_PATHS.environmentFile}`);
    expect(rendered).toContain(`-keyout ${SERVICE_PATHS.tlsKey} -out ${SERVICE_PATHS.tlsCertificate}`);
    expect(script).not.toMatch(/BEGIN (RSA )?PRIVATE KEY|resolve:secretsmanager/);
  });

  test('configures the CloudWatch agent to ship the service log and memory and disk metrics', () => {
    expect(rendered).toContain(SERVICE_PATHS.serviceLog);
    expect(rendered).toContain('mem_used_percent');
    expect(rendered).toContain('used_percent');
    expect(JSON.stringify(rendered)).toContain(
      stack.getLogicalId(stack.fleet.serviceLogGroup.node.defaultChild as never),
    );
    expect(rendered).toContain('amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s');
  });

  test('writes the Prometheus scrape config and the agent config that reads it', () => {
    const scrape = JSON.stringify(prometheusScrapeConfig(), null, 2);

    expect(rendered).toContain(
      JSON.stringify(`cat > ${SERVICE_PATHS.prometheusScrapeConfig} <<'PHOTO_API_EOF'\n${scrape}`).slice(1, -1),
    );
    expect(rendered).toContain(
      `"prometheus_config_path": "${SERVICE_PATHS.prometheusScrapeConfig}"`.replace(/"/g, '\\"'),
    );
    expect(JSON.stringify(rendered)).toContain(
      stack.getLogicalId(stack.fleet.serviceMetricsLogGroup.node.defaultChild as never),
    );
  });

  test('the user data script is valid bash', () => {
    const text = (stack.resolve(stack.fleet.launchTemplate.userData?.render()) as { 'Fn::Join': [string, unknown[]] })[
      'Fn::Join'
    ][1]
      .map((part) => (typeof part === 'string' ? part : 'TOKEN'))
      .join('');
    const result = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' });

    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('the scrape of the service metrics', () => {
  const options = {
    bundleBucketName: 'b',
    bundleObjectKey: 'k.js',
    environmentParameterName: '/p',
    region: 'us-east-1',
    serviceLogGroupName: 'service-logs',
    metricsNamespace: 'photo-prod/fleet',
    serviceMetricsLogGroupName: 'service-metrics-logs',
  };

  test('scrapes the local /metrics over HTTPS on the service port, accepting the self-signed certificate', () => {
    const [job] = prometheusScrapeConfig().scrape_configs;

    expect(job).toMatchObject({
      job_name: 'photo-api',
      scheme: 'https',
      metrics_path: '/metrics',
      tls_config: { insecure_skip_verify: true },
      static_configs: [{ targets: [`localhost:${SERVICE_PORT}`] }],
    });
    expect(prometheusScrapeConfig().global.scrape_interval).toBe('60s');
  });

  test('keeps only the business, cache, pool and breaker metrics', () => {
    const [keep] = prometheusScrapeConfig().scrape_configs[0].metric_relabel_configs;
    const regex = new RegExp(`^${keep.regex}$`);

    expect(keep).toMatchObject({ source_labels: ['__name__'], action: 'keep' });
    for (const name of [
      'posts_created_total',
      'media_uploads_issued_total',
      'logins_total',
      'feed_cache_requests_total',
      'db_pool_connections',
      'circuit_breaker_state',
    ]) {
      expect(regex.test(name)).toBe(true);
    }
    for (const name of [
      'http_requests_total',
      'http_request_duration_seconds_bucket',
      'nodejs_heap_size_total_bytes',
    ]) {
      expect(regex.test(name)).toBe(false);
    }
  });

  test('ships them as embedded metrics into the fleet namespace, with job and their labels as dimensions', () => {
    const prometheus = cloudWatchAgentConfig(options).logs.metrics_collected.prometheus;

    expect(prometheus.log_group_name).toBe('service-metrics-logs');
    expect(prometheus.prometheus_config_path).toBe(SERVICE_PATHS.prometheusScrapeConfig);
    expect(prometheus.emf_processor.metric_namespace).toBe('photo-prod/fleet');
    expect(prometheus.emf_processor.metric_declaration).toEqual(
      expect.arrayContaining([
        {
          source_labels: ['job'],
          label_matcher: '^photo-api$',
          dimensions: [['job']],
          metric_selectors: ['^posts_created_total$'],
        },
        {
          source_labels: ['job'],
          label_matcher: '^photo-api$',
          dimensions: [['job']],
          metric_selectors: ['^media_uploads_issued_total$'],
        },
        {
          source_labels: ['job'],
          label_matcher: '^photo-api$',
          dimensions: [['job', 'result']],
          metric_selectors: ['^logins_total$'],
        },
        {
          source_labels: ['job'],
          label_matcher: '^photo-api$',
          dimensions: [['job', 'result']],
          metric_selectors: ['^feed_cache_requests_total$'],
        },
      ]),
    );
    expect(prometheus.emf_processor.metric_declaration).toHaveLength(Object.keys(SCRAPED_SERVICE_METRICS).length);
    expect(SERVICE_METRICS_JOB).toBe('photo-api');
  });

  test('the shipped metric names are ones the service exposes', () => {
    const source = readFileSync(join(__dirname, '..', 'app', 'src', 'metrics.ts'), 'utf8');

    for (const metric of Object.values(SCRAPED_SERVICE_METRICS)) {
      expect(source).toContain(`name: '${metric.name}'`);
      for (const label of metric.labels) expect(source).toMatch(new RegExp(`labelNames: \\[[^\\]]*'${label}'`));
    }
  });

  test('the instances may write the metric events into their log group', () => {
    const build = platformFor('production');
    const stack = build.platform.primary;
    const template = build.template(stack);
    const logGroupId = stack.getLogicalId(stack.fleet.serviceMetricsLogGroup.node.defaultChild as never);

    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(stack.fleet.instanceRole.node.defaultChild as never) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: Match.arrayWith([{ 'Fn::GetAtt': [logGroupId, 'Arn'] }]),
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 7,
      KmsKeyId: Match.anyValue(),
    });
  });
});

describe('service bundle asset', () => {
  const build = platformFor('production');
  const asset = build.platform.primary.serviceBundle.asset;
  const file = isAbsolute(asset.assetPath) ? asset.assetPath : join(build.app.outdir, asset.assetPath);

  // That server.js runs alone, with no node_modules, is proven by test/app/bundle.test.ts, which starts it.
  test('is one JavaScript file (server.js, shipped as a single-file asset) that node accepts', () => {
    const source = readFileSync(file, 'utf8');

    expect(file).toMatch(/\.js$/);
    expect(spawnSync(process.execPath, ['--check', file]).status).toBe(0);
    expect(source).toContain('/health');
  });

  test('a failing bundler stops synth with the cause, never falling back to Docker', () => {
    const stack = new Stack(new App(), 'Probe');

    expect(
      () =>
        new ServiceBundle(stack, 'Bundle', {
          build: () => {
            throw new Error('esbuild: Could not resolve "fastify"');
          },
        }),
    ).toThrow(/ServiceBundle: bundling the service from .*app failed: esbuild: Could not resolve "fastify"/);
  });
});

describe('Fleet props', () => {
  const fleetWith = (serviceEnvironment: Record<string, string>) =>
    probeFleet({ serviceEnvironment: serviceEnvironment as never });

  test('accepts every key the tiers provide and writes it into the environment', () => {
    const environment = Object.fromEntries(TIER_ENVIRONMENT_KEYS.map((key) => [key, `${key.toLowerCase()}-value`]));
    const fleet = fleetWith(environment);
    const parameter = Template.fromStack(Stack.of(fleet)).findResources('AWS::SSM::Parameter');
    const value = JSON.stringify(Object.values(parameter)[0].Properties.Value);

    for (const key of TIER_ENVIRONMENT_KEYS) expect(value).toContain(`${key}=${key.toLowerCase()}-value`);
  });

  test.each([
    [{ PORT: '80' }, /serviceEnvironment key "PORT" is not one the tiers provide; allowed: DB_HOST/],
    [{ DB_HOST: 'a\nPORT=1' }, /serviceEnvironment.DB_HOST is "a\\nPORT=1"; allowed: a string on one line/],
  ])('rejects %j', (environment, message) => {
    expect(() => fleetWith(environment)).toThrow(message);
  });
});

describe('fleet config validation', () => {
  const problemsFor = (overrides: unknown) => configProblemsFor(JSON.stringify(overrides));

  test.each([
    [{ primary: { fleet: { instanceType: 'c7i.xlarge' } } }, 'primary.fleet.instanceType', 'c7i.xlarge', /Graviton/],
    [{ primary: { fleet: { instanceType: 'm5.large' } } }, 'primary.fleet.instanceType', 'm5.large', /Graviton/],
    [{ primary: { fleet: { minCapacity: -1 } } }, 'primary.fleet.minCapacity', -1, /from 0/],
    [{ standby: { fleet: { maxCapacity: 5 } } }, 'standby.fleet.maxCapacity', 5, /at least minCapacity \(6\)/],
    [
      { primary: { fleet: { desiredCapacityAtCreation: 600 } } },
      'primary.fleet.desiredCapacityAtCreation',
      600,
      /to maxCapacity \(500\)/,
    ],
    [
      { primary: { fleet: { desiredCapacityAtCreation: 10 } } },
      'primary.fleet.desiredCapacityAtCreation',
      10,
      /from minCapacity \(50\)/,
    ],
    [
      { primary: { fleet: { scaleOut: { cpuThresholdPercent: 120 } } } },
      'primary.fleet.scaleOut.cpuThresholdPercent',
      120,
      /0 to 100/,
    ],
    [
      { standby: { fleet: { scaleIn: { cpuThresholdPercent: 75 } } } },
      'standby.fleet.scaleIn.cpuThresholdPercent',
      75,
      /below scaleOut/,
    ],
    [
      { primary: { fleet: { scaleOut: { cooldownSeconds: 0 } } } },
      'primary.fleet.scaleOut.cooldownSeconds',
      0,
      /from 1/,
    ],
    [{ primary: { fleet: { scaleIn: { adjustment: 0 } } } }, 'primary.fleet.scaleIn.adjustment', 0, /positive/],
    [
      { primary: { fleet: { scaleIn: { periodSeconds: 90 } } } },
      'primary.fleet.scaleIn.periodSeconds',
      90,
      /multiple of 60/,
    ],
    [
      { primary: { fleet: { scaleOut: { evaluationPeriods: 0 } } } },
      'primary.fleet.scaleOut.evaluationPeriods',
      0,
      /from 1/,
    ],
    [
      { primary: { fleet: { healthCheck: { timeoutSeconds: 30 } } } },
      'primary.fleet.healthCheck.timeoutSeconds',
      30,
      /less than healthCheck.intervalSeconds \(30\)/,
    ],
    [
      { primary: { fleet: { healthCheck: { unhealthyThreshold: 1 } } } },
      'primary.fleet.healthCheck.unhealthyThreshold',
      1,
      /2 to 10/,
    ],
    [{ primary: { fleet: { rootVolumeGiB: 4 } } }, 'primary.fleet.rootVolumeGiB', 4, /from 8/],
    [
      { primary: { fleet: { loadBalancer: { idleTimeoutSeconds: 0 } } } },
      'primary.fleet.loadBalancer.idleTimeoutSeconds',
      0,
      /1 to 4000/,
    ],
    [
      { primary: { fleet: { serviceLogRetentionDays: 10 } } },
      'primary.fleet.serviceLogRetentionDays',
      10,
      /retention periods/,
    ],
    [
      { standby: { fleet: { serviceMetricsLogRetentionDays: 2 } } },
      'standby.fleet.serviceMetricsLogRetentionDays',
      2,
      /retention periods/,
    ],
    [{ primary: { fleet: { logLevel: 'verbose' } } }, 'primary.fleet.logLevel', 'verbose', /one of fatal/],
  ])('%j is refused', (overrides, key, value, allowed) => {
    const problems = problemsFor(overrides);

    expect(problems).toEqual([expect.objectContaining({ key, value, allowed: expect.stringMatching(allowed) })]);
  });

  test('the standby may not carry a desired capacity', () => {
    const base = fleetProfile('production', 'standby');

    expect(validateFleet({ ...base, desiredCapacityAtCreation: 10 }, 'standby')).toEqual([
      expect.objectContaining({ key: 'standby.fleet.desiredCapacityAtCreation', value: 10 }),
    ]);
  });

  test.each(['production', 'development'] as const)('the %s profile is valid in both roles', (profile) => {
    expect(validateFleet(fleetProfile(profile, 'primary'), 'primary')).toEqual([]);
    expect(validateFleet(fleetProfile(profile, 'standby'), 'standby')).toEqual([]);
  });
});
