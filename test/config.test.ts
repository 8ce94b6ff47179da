import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../lib/config/errors';
import { PLACEHOLDERS } from '../lib/config/load';
import { PROFILES } from '../lib/config/profiles';
import { buildPlatform, CDK_JSON_CONTEXT } from './helpers/platform';

process.env.CDK_VALIDATION = 'false';

/** Builds the platform with `context` and returns the ConfigError it throws. */
function configErrorFor(context: Record<string, unknown>): ConfigError {
  try {
    buildPlatform({ context });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(context)}`);
}

describe('profiles', () => {
  test('production is the default and carries one NAT gateway per AZ', () => {
    const { config } = buildPlatform();

    expect(config.profile).toBe('production');
    expect(config.primary.network.natGateways).toBe(3);
    expect(config.standby.network.natGateways).toBe(3);
  });

  test('development is selected with -c profile=development and is smaller', () => {
    const { config } = buildPlatform({ context: { profile: 'development' } });

    expect(config.profile).toBe('development');
    expect(config.stackNamePrefix).toBe('photo-dev');
    expect(config.primary.network.natGateways).toBe(1);
  });

  test('placeholders let synth run offline; context replaces them', () => {
    expect(buildPlatform().config).toMatchObject(PLACEHOLDERS);

    const { config } = buildPlatform({
      context: {
        account: '210987654321',
        domainName: 'photos.acme.io',
        hostedZoneId: 'Z123ABC',
        hostedZoneName: 'acme.io',
      },
    });
    expect(config).toMatchObject({
      account: '210987654321',
      domainName: 'photos.acme.io',
      hostedZoneId: 'Z123ABC',
      hostedZoneName: 'acme.io',
    });
  });

  test('overrides deep-merge over the profile', () => {
    const { config } = buildPlatform({ context: { overrides: '{"standby":{"network":{"natGateways":2}}}' } });

    expect(config.standby.network.natGateways).toBe(2);
    expect(config.primary.network).toEqual(PROFILES.production.primary.network);
  });
});

describe('invalid configuration fails synth naming the key, the value and what is allowed', () => {
  const azContext = CDK_JSON_CONTEXT['photo-platform:availabilityZones'] as Record<string, string[]>;

  test.each([
    ['an unknown profile', { profile: 'prod' }, 'profile', 'prod', 'one of production, development'],
    ['a malformed account id', { account: '12345' }, 'account', '12345', 'a 12-digit AWS account id'],
    [
      'two AZs instead of three',
      { 'photo-platform:availabilityZones': { ...azContext, 'us-west-2': ['us-west-2a', 'us-west-2b'] } },
      'regions.standby.availabilityZones',
      ['us-west-2a', 'us-west-2b'],
      'exactly 3 distinct Availability Zone names',
    ],
    [
      'an AZ of another region',
      { 'photo-platform:availabilityZones': { ...azContext, 'us-east-1': ['us-east-1a', 'us-east-1b', 'us-west-2c'] } },
      'regions.primary.availabilityZones[2]',
      'us-west-2c',
      'an Availability Zone of us-east-1',
    ],
    [
      'a stack name prefix too long for the OpenSearch domain names',
      { overrides: { stackNamePrefix: 'abcdefghijklmn' } },
      'stackNamePrefix',
      'abcdefghijklmn',
      '2 to 13 characters',
    ],
    [
      'a stack name prefix ending in a hyphen',
      { overrides: { stackNamePrefix: 'photo-' } },
      'stackNamePrefix',
      'photo-',
      'hyphen-separated words',
    ],
    [
      'a domain name too long for the regional certificates',
      { domainName: `${'a'.repeat(40)}.example.com` },
      'domainName',
      `${'a'.repeat(40)}.example.com`,
      'at most 47 characters',
    ],
    [
      'a top-level domain as the hosted zone',
      { domainName: 'photos.example.com', hostedZoneName: 'com' },
      'hostedZoneName',
      'com',
      'below the top level',
    ],
    [
      'a primary region other than us-east-1',
      {
        overrides: {
          regions: { primary: { region: 'eu-west-1', availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'] } },
        },
      },
      'regions.primary.region',
      'eu-west-1',
      'CloudFront takes its certificate and WAF web ACL only from us-east-1',
    ],
    [
      'a null section in overrides',
      { overrides: { primary: null } },
      'overrides.primary',
      null,
      'an object with some of the keys',
    ],
    [
      'an inherited key in overrides',
      { overrides: { constructor: { x: 1 } } },
      'overrides.constructor',
      { x: 1 },
      'one of the existing keys',
    ],
    [
      'the profile through overrides',
      { overrides: { profile: 'staging' } },
      'overrides.profile',
      'staging',
      'set it with -c profile=... instead',
    ],
    [
      'an unknown interface endpoint',
      { overrides: { primary: { network: { interfaceEndpoints: ['ssm', 'foo'] } } } },
      'primary.network.interfaceEndpoints[1]',
      'foo',
      'one of the interface endpoint services',
    ],
    [
      'a public VPC range',
      { overrides: { primary: { network: { vpcCidr: '8.8.0.0/16' } } } },
      'primary.network.vpcCidr',
      '8.8.0.0/16',
      'a private (RFC 1918) IPv4 network',
    ],
    [
      'a negative NAT gateway count',
      { overrides: { primary: { network: { natGateways: -1 } } } },
      'primary.network.natGateways',
      -1,
      'an integer from 1 to 3',
    ],
    [
      'more NAT gateways than AZs',
      { overrides: { standby: { network: { natGateways: 4 } } } },
      'standby.network.natGateways',
      4,
      'at most one per AZ',
    ],
    [
      'a retention CloudWatch Logs does not offer',
      { overrides: { primary: { network: { flowLogRetentionDays: 45 } } } },
      'primary.network.flowLogRetentionDays',
      45,
      'one of the CloudWatch Logs retention periods',
    ],
    [
      'a VPC too small for its subnets',
      { overrides: { primary: { network: { vpcCidr: '10.10.0.0/22' } } } },
      'primary.network.vpcCidr',
      '10.10.0.0/22',
      'a range of at least',
    ],
    [
      'overlapping VPC ranges',
      { overrides: { standby: { network: { vpcCidr: '10.10.0.0/16' } } } },
      'standby.network.vpcCidr',
      '10.10.0.0/16',
      'a range disjoint from primary.network.vpcCidr',
    ],
    [
      'a malformed domain name',
      { domainName: 'Photos..Example' },
      'domainName',
      'Photos..Example',
      'a lowercase DNS name',
    ],
    [
      'a hosted zone that does not hold the domain',
      { hostedZoneName: 'other.com' },
      'hostedZoneName',
      'other.com',
      'the domain name photos.example.com or one of its parent domains',
    ],
    [
      'a misspelt override key',
      { overrides: { primary: { network: { natGateway: 2 } } } },
      'overrides.primary.network.natGateway',
      2,
      'one of the existing keys',
    ],
  ])('%s', (_kind, context, key, value, allowed) => {
    const error = configErrorFor(context);

    expect(error.problems).toContainEqual(expect.objectContaining({ key, value }));
    const problem = error.problems.find((p) => p.key === key);
    expect(problem?.allowed).toContain(allowed);
    expect(error.message).toContain(`${key}: got ${JSON.stringify(value)}; allowed: `);
  });

  test('every problem is reported at once', () => {
    const error = configErrorFor({ account: 'x', overrides: { primary: { network: { natGateways: 0 } } } });

    expect(error.problems.map((p) => p.key)).toEqual(['account', 'primary.network.natGateways']);
  });

  /** Runs the CDK app as `cdk synth` does, with `context` over cdk.json's and `env` added. */
  function runApp(context: Record<string, unknown>, env: Record<string, string> = {}) {
    const outdir = mkdtempSync(join(tmpdir(), 'bad-config-'));
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/photo-platform.ts'], {
      cwd: join(__dirname, '..'),
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_JSON_CONTEXT, ...context }),
        ...env,
      },
    });
    return { result, templates: readdirSync(outdir).filter((f) => f.endsWith('.template.json')) };
  }

  test('the CDK app exits non-zero with the message on stderr and writes no template', () => {
    const { result, templates } = runApp({ profile: 'huge' });

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('profile: got "huge"; allowed: one of production, development');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(templates).toEqual([]);
  });

  test('a bad bundle cache setting stops the CDK app the same way', () => {
    const { result, templates } = runApp({}, { PHOTO_PLATFORM_BUNDLE_CACHE: 'false' });

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('PHOTO_PLATFORM_BUNDLE_CACHE: got "false"; allowed: "on" (the default) or "off"');
    expect(result.stderr).not.toContain('bundling'); // a setting, not a bundle that failed
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(templates).toEqual([]);
  });
});
