import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { send } from './aws';
import { UnexpectedStateError } from './errors';

/** The service's write switch: `on` accepts writes, `off` answers them 503 while reads keep working. */
export type SwitchValue = 'on' | 'off';

const clients = new Map<string, SSMClient>();

/**
 * The SSM client of one region, created once per Lambda container. A `quick` client gives up
 * after a few seconds: it is the one that reaches the failed primary region.
 */
function ssmIn(region: string, quick: boolean): SSMClient {
  const key = `${region}:${quick}`;
  let client = clients.get(key);
  if (!client) {
    client = new SSMClient(
      quick
        ? { region, maxAttempts: 2, requestHandler: { connectionTimeout: 2_000, requestTimeout: 4_000 } }
        : { region },
    );
    clients.set(key, client);
  }
  return client;
}

/** The switch in one region before and after the step. */
export interface SwitchChange {
  readonly region: string;
  readonly before: string;
  readonly after: string;
  readonly action: 'changed' | 'unchanged' | 'planned';
}

/**
 * Sets the write switch `parameterName` in `region` to `value`: reads it first and writes only
 * when it differs (so a re-run sends nothing), and in a dry run only reads.
 */
export async function setWriteSwitch(
  parameterName: string,
  region: string,
  value: SwitchValue,
  options: { dryRun: boolean; quick?: boolean },
): Promise<SwitchChange> {
  const ssm = ssmIn(region, options.quick ?? false);
  const current = await send(`GetParameter ${parameterName} in ${region}`, () =>
    ssm.send(new GetParameterCommand({ Name: parameterName })),
  );
  const before = current.Parameter?.Value;
  if (before === undefined) {
    throw new UnexpectedStateError(`GetParameter ${parameterName} in ${region} returned no value`);
  }
  if (before === value) return { region, before, after: before, action: 'unchanged' };
  if (options.dryRun) return { region, before, after: value, action: 'planned' };

  await send(`PutParameter ${parameterName}=${value} in ${region}`, () =>
    ssm.send(new PutParameterCommand({ Name: parameterName, Value: value, Type: 'String', Overwrite: true })),
  );
  return { region, before, after: value, action: 'changed' };
}
