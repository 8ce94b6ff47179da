import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { handler as fence } from '../../lambda/fence-writes';
import { handler as resume } from '../../lambda/resume-writes';
import { awsError, dbInstance, EXECUTION, mockAws, PRIMARY_ARN } from './helpers';

const aws = mockAws();
const NAME = '/photo-prod/service/writes-enabled';

/** The write switch of each region, as the mocked SSM holds it; a region missing from the map is unreachable. */
function switches(values: Record<string, string>) {
  aws.ssm.on(GetParameterCommand).callsFake(async (_input, getClient) => {
    const region = await (getClient() as SSMClient).config.region();
    if (!(region in values))
      throw Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT', name: 'TimeoutError' });
    return { Parameter: { Name: NAME, Value: values[region], Type: 'String' } };
  });
  aws.ssm.on(PutParameterCommand).callsFake(async (input, getClient) => {
    values[await (getClient() as SSMClient).config.region()] = input.Value;
    return { Version: 2 };
  });
  return values;
}

const fenceEvent = (fields: Record<string, unknown> = {}) => ({
  ...EXECUTION,
  dryRun: false,
  dbInstanceIdentifier: 'photo-prod-db-standby',
  parameterName: NAME,
  standbyRegion: 'us-west-2',
  primaryRegion: 'us-east-1',
  primaryRequired: false,
  ...fields,
});

beforeEach(() => {
  aws.reset();
  aws.rds.on(DescribeDBInstancesCommand).resolves(dbInstance({ replicaOf: PRIMARY_ARN }));
});

describe('fence-writes', () => {
  test('turns the switch off in both regions', async () => {
    const values = switches({ 'us-west-2': 'on', 'us-east-1': 'on' });

    const result = await fence(fenceEvent());

    expect(aws.ssm).toHaveReceivedCommandTimes(PutParameterCommand, 2);
    expect(aws.ssm).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: NAME,
      Value: 'off',
      Type: 'String',
      Overwrite: true,
    });
    expect(values).toEqual({ 'us-west-2': 'off', 'us-east-1': 'off' });
    expect(result.action).toBe('changed');
  });

  test('an unreachable primary region is reported, and the standby is still fenced', async () => {
    const values = switches({ 'us-west-2': 'on' });

    const result = await fence(fenceEvent());

    expect(values['us-west-2']).toBe('off');
    expect(result.details).toMatchObject({
      primary: { region: 'us-east-1', unreachable: expect.stringContaining('TimeoutError') },
    });
  });

  test('a planned switch fails when the old primary cannot be fenced', async () => {
    switches({ 'us-west-2': 'on' });

    await expect(fence(fenceEvent({ primaryRequired: true }))).rejects.toMatchObject({ name: 'TransientAwsError' });
  });

  test('switches already off get no PutParameter', async () => {
    switches({ 'us-west-2': 'off', 'us-east-1': 'off' });

    expect((await fence(fenceEvent())).action).toBe('unchanged');
    expect(aws.ssm).not.toHaveReceivedCommand(PutParameterCommand);
  });

  test('once the standby database is promoted, its writes stay on', async () => {
    aws.rds.on(DescribeDBInstancesCommand).resolves(dbInstance({}));
    const values = switches({ 'us-west-2': 'on', 'us-east-1': 'off' });

    const result = await fence(fenceEvent());

    expect(values['us-west-2']).toBe('on');
    expect(aws.ssm).not.toHaveReceivedCommand(PutParameterCommand);
    expect(result.action).toBe('unchanged');
  });

  test('a dry run changes no switch', async () => {
    const values = switches({ 'us-west-2': 'on', 'us-east-1': 'on' });

    expect((await fence(fenceEvent({ dryRun: true }))).action).toBe('planned');
    expect(aws.ssm).not.toHaveReceivedCommand(PutParameterCommand);
    expect(values).toEqual({ 'us-west-2': 'on', 'us-east-1': 'on' });
  });

  test('a missing standby switch is ResourceNotFound', async () => {
    aws.ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: '', $metadata: {} }));

    await expect(fence(fenceEvent())).rejects.toMatchObject({
      name: 'ResourceNotFound',
      message: expect.stringContaining(`GetParameter ${NAME} in us-west-2`),
    });
  });

  test('a region name that is no region is refused before any AWS call', async () => {
    await expect(fence(fenceEvent({ primaryRegion: 'virginia' }))).rejects.toThrow(
      /primaryRegion: got "virginia"; allowed: an AWS region name such as us-west-2/,
    );
    expect(aws.commandsSent()).toEqual([]);
  });
});

describe('resume-writes', () => {
  const resumeEvent = (dryRun = false) => ({ ...EXECUTION, dryRun, parameterName: NAME, region: 'us-west-2' });

  test('turns the standby switch on', async () => {
    const values = switches({ 'us-west-2': 'off' });

    expect((await resume(resumeEvent())).action).toBe('changed');
    expect(aws.ssm).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: NAME,
      Value: 'on',
      Type: 'String',
      Overwrite: true,
    });
    expect(values['us-west-2']).toBe('on');
  });

  test('already on: no call', async () => {
    switches({ 'us-west-2': 'on' });

    expect((await resume(resumeEvent())).action).toBe('unchanged');
    expect(aws.ssm).not.toHaveReceivedCommand(PutParameterCommand);
  });

  test('AccessDenied is reported as it is', async () => {
    switches({ 'us-west-2': 'off' });
    aws.ssm
      .on(PutParameterCommand)
      .rejects(awsError('AccessDeniedException', 'not authorized to perform ssm:PutParameter', 403));

    await expect(resume(resumeEvent())).rejects.toMatchObject({
      name: 'AwsCallFailed',
      message: expect.stringContaining('not authorized to perform ssm:PutParameter'),
    });
  });
});
