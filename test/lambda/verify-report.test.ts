import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { handler as report } from '../../lambda/report';
import { handler as verify } from '../../lambda/verify';
import { EXECUTION, group, mockAws } from './helpers';

const aws = mockAws();
beforeEach(() => aws.reset());

describe('verify', () => {
  /** A real HTTP server on loopback standing in for the standby's /health. */
  let server: Server;
  let health: { status: number; body: unknown; delayMs?: number };
  let base: string;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      setTimeout(() => {
        response.writeHead(health.status, { 'content-type': 'application/json' }).end(JSON.stringify(health.body));
      }, health.delayMs ?? 0);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const event = (fields: Record<string, unknown> = {}) => ({
    ...EXECUTION,
    dryRun: false,
    healthUrls: [`${base}/health`],
    requestTimeoutMs: 500,
    expectWritesEnabled: true,
    autoScalingGroupName: 'photo-prod-fleet-standby',
    minInService: 50,
    waitingSince: new Date().toISOString(),
    timeoutSeconds: 600,
    ...fields,
  });

  test('ready when /health is healthy with writes on and the fleet is at capacity', async () => {
    health = { status: 200, body: { status: 'healthy', writesEnabled: true } };
    aws.autoscaling.on(DescribeAutoScalingGroupsCommand).resolves(group({ min: 50, desired: 100, max: 500 }, 60));

    const result = await verify(event());

    expect(result).toMatchObject({ action: 'checked', details: { ready: true, inService: 60 } });
  });

  test.each([
    [
      'writes still off',
      { status: 200, body: { status: 'healthy', writesEnabled: false } },
      60,
      /writes are still disabled/,
    ],
    ['unhealthy', { status: 503, body: { status: 'unhealthy', writesEnabled: true } }, 60, /503 unhealthy/],
    [
      'short of capacity',
      { status: 200, body: { status: 'healthy', writesEnabled: true } },
      20,
      /20\/50 instances in service/,
    ],
    ['too slow to answer', { status: 200, body: { status: 'healthy' }, delayMs: 1_500 }, 60, /no answer within 500 ms/],
  ])('pending while %s', async (_label, answer, inService, summary) => {
    health = answer;
    aws.autoscaling
      .on(DescribeAutoScalingGroupsCommand)
      .resolves(group({ min: 50, desired: 100, max: 500 }, inService));

    const result = await verify(event());

    expect(result.action).toBe('pending');
    expect(result.summary).toMatch(summary);
  });

  test('not ready past the bound fails with StepTimedOut and what is wrong', async () => {
    health = { status: 503, body: { status: 'unhealthy' } };
    aws.autoscaling.on(DescribeAutoScalingGroupsCommand).resolves(group({ min: 50, desired: 100, max: 500 }));

    await expect(verify(event({ waitingSince: new Date(Date.now() - 3_600_000).toISOString() }))).rejects.toMatchObject(
      {
        name: 'StepTimedOut',
        message: expect.stringMatching(/standby not verified after .* s \(bound 600 s\)/),
      },
    );
  });

  test('a dry run checks once and reports, ready or not', async () => {
    health = { status: 503, body: { status: 'unhealthy' } };
    aws.autoscaling.on(DescribeAutoScalingGroupsCommand).resolves(group({ min: 6, desired: 6, max: 500 }));

    expect(await verify(event({ dryRun: true }))).toMatchObject({ action: 'checked', details: { ready: false } });
  });

  test('a URL that is not http(s) is refused naming it', async () => {
    await expect(verify(event({ healthUrls: ['ftp://photos.example.com/health'] }))).rejects.toThrow(
      /healthUrls\[0\]: got "ftp:\/\/photos.example.com\/health"; allowed: an http\(s\) URL/,
    );
  });
});

describe('report', () => {
  const at = (seconds: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, seconds)).toISOString();
  const result = (step: string, from: number, to: number, details: unknown = {}, phaseFrom = from) => ({
    step,
    action: 'changed',
    summary: `${step} done`,
    startedAt: at(from),
    finishedAt: at(to),
    phaseStartedAt: at(phaseFrom),
    details,
  });
  const steps = {
    preflight: result('preflight', 0, 2, { replica: { lagSeconds: 5 } }),
    fenceWrites: result('fence-writes', 2, 3),
    scaleFleet: result('scale-fleet', 3, 4),
    promoteDatabase: result('promote-database', 4, 6, { lagAtPromotion: { seconds: 4, observedAt: at(3) } }),
    checkPromotion: result('check-promotion', 200, 201, {}, 4),
  };
  const event = (dryRun: boolean) => ({
    ...EXECUTION,
    dryRun,
    executionStartedAt: new Date(Date.now() - 300_000).toISOString(),
    metricsNamespace: 'photo-prod/failover',
    rtoBudgetSeconds: 900,
    steps,
  });

  test('times each step (polled ones from their first poll), takes the lag at promotion as the RPO and publishes both', async () => {
    const out = await report(event(false));

    expect(out.details).toMatchObject({
      steps: [
        { step: 'preflight', seconds: 2 },
        { step: 'fence-writes', seconds: 1 },
        { step: 'scale-fleet', seconds: 1 },
        { step: 'promote-database', seconds: 2 },
        { step: 'check-promotion', seconds: 197 },
      ],
      observedRpoSeconds: 4,
      rpoSource: 'lag at promotion',
      rtoBudgetSeconds: 900,
    });
    expect(aws.cloudwatch).toHaveReceivedCommandWith(PutMetricDataCommand, {
      Namespace: 'photo-prod/failover',
      MetricData: expect.arrayContaining([
        expect.objectContaining({ MetricName: 'ObservedRtoSeconds', Unit: 'Seconds' }),
        expect.objectContaining({ MetricName: 'ObservedRpoSeconds', Unit: 'Seconds', Value: 4 }),
        expect.objectContaining({
          MetricName: 'StepDurationSeconds',
          Value: 197,
          Dimensions: [{ Name: 'Step', Value: 'check-promotion' }],
        }),
      ]),
    });
  });

  test('without a lag at promotion the preflight lag stands in, and says so', async () => {
    const out = await report({ ...event(false), steps: { preflight: steps.preflight } });

    expect(out.details).toMatchObject({ observedRpoSeconds: 5, rpoSource: 'lag at preflight' });
  });

  test('a dry run publishes nothing', async () => {
    expect((await report(event(true))).details).toMatchObject({ metricsPublished: false });
    expect(aws.cloudwatch).not.toHaveReceivedAnyCommand();
  });
});
