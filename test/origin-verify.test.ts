import { SecretValue, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { edgeProfile, ORIGIN_VERIFY_HEADER, validateEdge } from '../lib/config/edge';
import { HEALTH_CHECK_PATH, LISTENER_RULE_PRIORITIES, ORIGIN_REFUSAL_BODY } from '../lib/fleet';
import { PlatformNames } from '../lib/names';
import { ORIGIN_SECRET_LENGTH, originVerification } from '../lib/origin-verify';
import { failoverRunbookPropsFromConfig } from '../lib/runbook';
import { findCrossRegionReferences } from './helpers/cross-region';
import { buildPlatform, configProblemsFor, only, platformFor, type SynthesizedPlatform } from './helpers/platform';
import { probeDistribution } from './helpers/probe-distribution';
import { probeFleet } from './helpers/probe-fleet';

process.env.CDK_VALIDATION = 'false';

const PROFILES = ['production', 'development'] as const;
const ROLES = ['primary', 'standby'] as const;
const cases = PROFILES.flatMap((profile) => ROLES.map((role) => [profile, role] as const));

/** Two version ids of the kind `put-secret-value --client-request-token $(uuidgen)` makes. */
const NEW_VERSION = '6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e';
const OLD_VERSION = '0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d';

/** The dynamic reference of the origin secret, as every template must hold it. */
const reference = (build: SynthesizedPlatform, versionId = '') =>
  `{{resolve:secretsmanager:${new PlatformNames(build.config).originVerifySecretName()}:SecretString:::${versionId}}}`;

function httpsListener(template: Template) {
  return only(template, 'AWS::ElasticLoadBalancingV2::Listener', { Port: 443 });
}

function listenerRules(template: Template) {
  const listener = httpsListener(template);
  return Object.values(
    template.findResources('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Properties: { ListenerArn: { Ref: listener.logicalId } },
    }),
  ).map((rule) => rule.Properties);
}

function serviceTargetGroupId(template: Template): string {
  return only(template, 'AWS::ElasticLoadBalancingV2::TargetGroup', { Port: 8443 }).logicalId;
}

function headerRule(template: Template) {
  const rules = listenerRules(template).filter((rule) =>
    rule.Conditions.some((c: { Field: string }) => c.Field === 'http-header'),
  );
  expect(rules).toHaveLength(1);
  return rules[0];
}

function apiOrigin(build: SynthesizedPlatform) {
  const distribution = only(build.template(build.platform.edge), 'AWS::CloudFront::Distribution');
  return distribution.Properties.DistributionConfig.Origins.find((origin: { Id: string }) => origin.Id === 'Api');
}

describe.each(cases)('the %s %s ALB requires the origin-verify header', (profile, role) => {
  const build = platformFor(profile);
  const template = build.template(build.platform[role]);

  test('the HTTPS listener answers anything else with a fixed 403 and a JSON body naming no secret', () => {
    const listener = httpsListener(template);

    expect(listener.Properties.DefaultActions).toEqual([
      {
        Type: 'fixed-response',
        FixedResponseConfig: { StatusCode: '403', ContentType: 'application/json', MessageBody: ORIGIN_REFUSAL_BODY },
      },
    ]);
    expect(JSON.parse(ORIGIN_REFUSAL_BODY)).toEqual({ error: { code: 'FORBIDDEN', message: expect.any(String) } });
    expect(ORIGIN_REFUSAL_BODY).not.toMatch(/verify|secret|resolve|x-/i);
  });

  test('a request with the header forwards to the service target group', () => {
    expect(headerRule(template)).toEqual({
      ListenerArn: { Ref: httpsListener(template).logicalId },
      Priority: LISTENER_RULE_PRIORITIES.verified,
      Conditions: [
        {
          Field: 'http-header',
          HttpHeaderConfig: { HttpHeaderName: ORIGIN_VERIFY_HEADER, Values: [reference(build)] },
        },
      ],
      Actions: [{ Type: 'forward', TargetGroupArn: { Ref: serviceTargetGroupId(template) } }],
      Tags: expect.any(Array),
    });
  });

  test('GET and HEAD of exactly /health forward without the header, before the header rule', () => {
    const rule = listenerRules(template).find((r) => r.Priority === LISTENER_RULE_PRIORITIES.health);

    expect(rule).toEqual({
      ListenerArn: { Ref: httpsListener(template).logicalId },
      Priority: LISTENER_RULE_PRIORITIES.health,
      Conditions: [
        { Field: 'path-pattern', PathPatternConfig: { Values: [HEALTH_CHECK_PATH] } },
        { Field: 'http-request-method', HttpRequestMethodConfig: { Values: ['GET', 'HEAD'] } },
      ],
      Actions: [{ Type: 'forward', TargetGroupArn: { Ref: serviceTargetGroupId(template) } }],
      Tags: expect.any(Array),
    });
    expect(LISTENER_RULE_PRIORITIES.health).toBeLessThan(LISTENER_RULE_PRIORITIES.verified);
  });

  test('the listener has exactly these two rules, and the group registers with the same target group', () => {
    expect(listenerRules(template).map((rule) => rule.Priority)).toEqual(
      expect.arrayContaining([LISTENER_RULE_PRIORITIES.health, LISTENER_RULE_PRIORITIES.verified]),
    );
    expect(listenerRules(template)).toHaveLength(2);
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      TargetGroupARNs: [{ Ref: serviceTargetGroupId(template) }],
    });
  });

  test('the header value resolves the secret by name in this region (no ARN, no other region)', () => {
    const text = JSON.stringify(template.toJSON());

    expect(headerRule(template).Conditions[0].HttpHeaderConfig.Values[0]).toBe(reference(build));
    expect(text).not.toMatch(/resolve:secretsmanager:arn:/);
    expect(text).not.toMatch(/secretsmanager:us-east-1.*origin-verify|origin-verify.*secretsmanager:us-east-1/);
  });
});

describe.each(PROFILES)('CloudFront and the origin secret (%s)', (profile) => {
  const build = platformFor(profile);
  const names = new PlatformNames(build.config);

  test("CloudFront's Api origin sends the header as a dynamic reference, never a literal", () => {
    expect(apiOrigin(build).OriginCustomHeaders).toEqual([
      { HeaderName: ORIGIN_VERIFY_HEADER, HeaderValue: reference(build) },
    ]);
  });

  test('CloudFront sends the reference the ALBs of both regions accept', () => {
    const sent = apiOrigin(build).OriginCustomHeaders[0].HeaderValue;
    for (const role of ROLES) {
      expect(headerRule(build.template(build.platform[role])).Conditions[0].HttpHeaderConfig.Values).toContain(sent);
    }
  });

  test('only the media origins lack the header: it goes to the API origin alone', () => {
    const distribution = only(build.template(build.platform.edge), 'AWS::CloudFront::Distribution');
    const withHeader = distribution.Properties.DistributionConfig.Origins.filter(
      (origin: { OriginCustomHeaders?: unknown }) => origin.OriginCustomHeaders,
    );

    expect(withHeader.map((origin: { Id: string }) => origin.Id)).toEqual(['Api']);
  });

  test('the primary generates the secret (lowercase letters and digits) and replicates it to us-west-2', () => {
    const secret = only(build.template(build.platform.primary), 'AWS::SecretsManager::Secret', {
      Name: names.originVerifySecretName(),
    });

    expect(secret.Properties).toEqual(
      expect.objectContaining({
        GenerateSecretString: {
          PasswordLength: ORIGIN_SECRET_LENGTH,
          ExcludePunctuation: true,
          ExcludeUppercase: true,
          IncludeSpace: false,
        },
        ReplicaRegions: [{ Region: 'us-west-2' }],
      }),
    );
    expect(secret.Properties).not.toHaveProperty('SecretString');
    expect(secret.DeletionPolicy).toBe('Retain');
  });

  test('no other stack creates it; the standby reads the replica by name', () => {
    for (const stack of [build.platform.standbyFoundation, build.platform.standby, build.platform.edge]) {
      const secrets = build.template(stack).findResources('AWS::SecretsManager::Secret', {
        Properties: { Name: names.originVerifySecretName() },
      });
      expect(Object.keys(secrets)).toEqual([]);
    }
  });

  test("the primary's listener rules wait for the secret they resolve", () => {
    const template = build.template(build.platform.primary);
    const secretId = only(template, 'AWS::SecretsManager::Secret', { Name: names.originVerifySecretName() }).logicalId;
    const listener = httpsListener(template);
    const rules = template.findResources('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Properties: { ListenerArn: { Ref: listener.logicalId } },
    });

    expect(Object.keys(rules)).toHaveLength(2);
    for (const rule of Object.values(rules)) expect(rule.DependsOn).toContain(secretId);
  });

  test('every value of the header in every template is a Secrets Manager dynamic reference', () => {
    const values: unknown[] = [];
    for (const stack of build.stacks) {
      const text = JSON.stringify(build.template(stack).toJSON());
      for (const match of text.matchAll(/"HeaderValue":("(?:[^"\\]|\\.)*")/g)) values.push(JSON.parse(match[1]));
      for (const match of text.matchAll(/"HttpHeaderName":"X-Origin-Verify","Values":(\[[^\]]*\])/g)) {
        values.push(...JSON.parse(match[1]));
      }
    }

    expect(values.length).toBe(3);
    for (const value of values) expect(value).toMatch(/^\{\{resolve:secretsmanager:[^:]+:SecretString:::[\w-]*\}\}$/);
  });

  test('no us-west-2 template references a value of a us-east-1 stack', () => {
    expect(findCrossRegionReferences(build.app.synth(), 'us-west-2')).toEqual([]);
  });
});

describe('every caller that cannot send the header calls GET /health on an origin name', () => {
  const build = platformFor('production');
  const names = new PlatformNames(build.config);

  test.each([
    ['the primary endpoint check', 'primary', 'us-east-1'],
    ["the standby's observer of it", 'standby', 'us-east-1'],
  ] as const)('%s (Route 53, HTTPS)', (_, role, origin) => {
    build.template(build.platform[role]).hasResourceProperties('AWS::Route53::HealthCheck', {
      HealthCheckConfig: Match.objectLike({
        Type: 'HTTPS',
        FullyQualifiedDomainName: `${origin}.origin.${build.config.domainName}`,
        ResourcePath: HEALTH_CHECK_PATH,
      }),
    });
  });

  test("the runbook's verify step: the public name (through CloudFront) and the standby origin, both /health", () => {
    const { healthUrls } = failoverRunbookPropsFromConfig(build.config, {
      primaryHealthCheckId: 'x',
      dbInstanceIdentifier: 'x',
      autoScalingGroupName: 'x',
      logsKey: kms.Key.fromKeyArn(new Stack(), 'Key', 'arn:aws:kms:us-west-2:123456789012:key/x'),
    });

    expect(healthUrls.map((url) => new URL(url).pathname)).toEqual([HEALTH_CHECK_PATH, HEALTH_CHECK_PATH]);
    expect(healthUrls.map((url) => new URL(url).host)).toEqual([
      build.config.domainName,
      names.regionalOriginDomainName('standby'),
    ]);
  });
});

describe('rotating the origin secret', () => {
  const overrides = (versionIds: string[]) => JSON.stringify({ edge: { originVerify: { versionIds } } });

  describe.each(PROFILES)('during a rotation (%s): versionIds [new, previous]', (profile) => {
    const build = buildPlatform({ context: { profile, overrides: overrides([NEW_VERSION, OLD_VERSION]) } });

    test.each(ROLES)('the %s ALB accepts both versions, each by its own dynamic reference', (role) => {
      expect(headerRule(build.template(build.platform[role])).Conditions[0].HttpHeaderConfig.Values).toEqual([
        reference(build, NEW_VERSION),
        reference(build, OLD_VERSION),
      ]);
    });

    test('CloudFront sends the new version', () => {
      expect(apiOrigin(build).OriginCustomHeaders[0].HeaderValue).toBe(reference(build, NEW_VERSION));
    });
  });

  test('after it, versionIds [new]: the ALBs accept the new version only', () => {
    const build = buildPlatform({ context: { overrides: overrides([NEW_VERSION]) } });

    for (const role of ROLES) {
      expect(headerRule(build.template(build.platform[role])).Conditions[0].HttpHeaderConfig.Values).toEqual([
        reference(build, NEW_VERSION),
      ]);
    }
    expect(apiOrigin(build).OriginCustomHeaders[0].HeaderValue).toBe(reference(build, NEW_VERSION));
  });

  test('introducing the header into a running deployment: enforced false keeps forwarding by default', () => {
    const build = buildPlatform({
      context: { overrides: JSON.stringify({ edge: { originVerify: { enforced: false } } }) },
    });

    for (const role of ROLES) {
      const template = build.template(build.platform[role]);
      expect(httpsListener(template).Properties.DefaultActions).toEqual([
        { Type: 'forward', TargetGroupArn: { Ref: serviceTargetGroupId(template) } },
      ]);
      expect(listenerRules(template)).toHaveLength(2);
    }
    expect(apiOrigin(build).OriginCustomHeaders[0].HeaderValue).toBe(reference(build));
  });
});

describe('bad origin-verify settings fail synth with the key, the value and what is allowed', () => {
  const versionIdsAllowed = expect.stringMatching(/^an array of at most 2 distinct Secrets Manager version ids/);

  const three = [NEW_VERSION, OLD_VERSION, OLD_VERSION.replace('0a', '1a')];

  test.each([
    [{ headerName: 'Origin-Verify' }, 'edge.originVerify.headerName', 'Origin-Verify'],
    [{ headerName: 'X-Amz-Origin' }, 'edge.originVerify.headerName', 'X-Amz-Origin'],
    [{ headerName: 'X-Origin Verify' }, 'edge.originVerify.headerName', 'X-Origin Verify'],
    // CloudFront refuses X-Real-Ip as an origin custom header (its deny list, as CDK's HttpOrigin checks it).
    [{ headerName: 'X-Real-Ip' }, 'edge.originVerify.headerName', 'X-Real-Ip'],
    [{ headerName: 'x-real-ip' }, 'edge.originVerify.headerName', 'x-real-ip'],
    // An ALB header condition takes names of at most 40 characters.
    [{ headerName: `X-${'a'.repeat(39)}` }, 'edge.originVerify.headerName', `X-${'a'.repeat(39)}`],
    [{ headerName: '' }, 'edge.originVerify.headerName', ''],
    [{ headerName: 42 }, 'edge.originVerify.headerName', 42],
    [{ versionIds: three }, 'edge.originVerify.versionIds', three],
    [{ versionIds: [NEW_VERSION, NEW_VERSION] }, 'edge.originVerify.versionIds', [NEW_VERSION, NEW_VERSION]],
    [{ versionIds: ['AWSCURRENT'] }, 'edge.originVerify.versionIds', ['AWSCURRENT']],
    [{ versionIds: 'not-a-list' }, 'edge.originVerify.versionIds', 'not-a-list'],
    [{ enforced: 'yes' }, 'edge.originVerify.enforced', 'yes'],
  ])('%j', (originVerify, key, value) => {
    const problems = configProblemsFor(JSON.stringify({ edge: { originVerify } }));

    expect(problems).toEqual([
      {
        key,
        value,
        allowed: key.endsWith('versionIds') ? versionIdsAllowed : expect.any(String),
      },
    ]);
  });
});

test.each(['X-Origin-Verify', `X-${'a'.repeat(38)}`, 'X-Real-Ip-Hash'])(
  'the header name %j is accepted',
  (headerName) => {
    const edge = edgeProfile('production');

    expect(validateEdge({ ...edge, originVerify: { ...edge.originVerify, headerName } })).toEqual([]);
  },
);

describe('the constructs refuse the secret in plain text', () => {
  const fleetAccepting = (acceptedValues: SecretValue[]) =>
    probeFleet({
      originVerification: { ...originVerification(edgeProfile('development').originVerify, 'x'), acceptedValues },
    });

  test('the fleet refuses a plain value', () => {
    expect(() => fleetAccepting([SecretValue.unsafePlainText('hunter2')])).toThrow(
      'Fleet: originVerification.acceptedValues[0] is a plain value; allowed: a Secrets Manager dynamic reference',
    );
  });

  test.each([0, 3])('the fleet refuses %d accepted values', (count) => {
    const values = Array.from({ length: count }, () => SecretValue.secretsManager('x'));
    expect(() => fleetAccepting(values)).toThrow(
      `Fleet: originVerification.acceptedValues has ${count} values; allowed: 1 or 2 (current and previous)`,
    );
  });

  test('the distribution refuses a plain header value', () => {
    expect(() =>
      probeDistribution({
        apiOriginHeader: { name: ORIGIN_VERIFY_HEADER, value: SecretValue.unsafePlainText('hunter2') },
      }),
    ).toThrow('EdgeDistribution: apiOriginHeader.value is a plain value; allowed: a Secrets Manager dynamic reference');
  });
});
