import { Type } from 'typebox';
import {
  AwsCallFailedError,
  classifyAwsError,
  InvalidEventError,
  ResourceBusyError,
  ResourceNotFoundError,
  TransientAwsError,
} from '../../lambda/shared/errors';
import { Fields, parseEvent } from '../../lambda/shared/event';
import { awsError, THROTTLING } from './helpers';

describe('classifyAwsError', () => {
  test.each([
    ['Throttling (query protocol)', THROTTLING(), TransientAwsError],
    ['ThrottlingException', awsError('ThrottlingException'), TransientAwsError],
    ['PriorRequestNotComplete (Route 53)', awsError('PriorRequestNotComplete'), TransientAwsError],
    ['a 503', awsError('ServiceUnavailable', 'down', 503), TransientAwsError],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), TransientAwsError],
    ['InvalidDBInstanceState', awsError('InvalidDBInstanceStateFault'), ResourceBusyError],
    ['ScalingActivityInProgress', awsError('ScalingActivityInProgressFault'), ResourceBusyError],
    ['DBInstanceNotFound', awsError('DBInstanceNotFoundFault'), ResourceNotFoundError],
    ['ParameterNotFound', awsError('ParameterNotFound'), ResourceNotFoundError],
    [
      'ValidationError',
      awsError('ValidationError', 'Desired capacity:600 must be between min and max'),
      AwsCallFailedError,
    ],
    ['AccessDenied', awsError('AccessDenied', 'not authorized', 403), AwsCallFailedError],
  ])('%s', (_label, error, type) => {
    const classified = classifyAwsError(error, 'SomeCall target');

    expect(classified).toBeInstanceOf(type);
    expect(classified.message).toMatch(/^SomeCall target failed with \w+: /);
    expect(classified.cause).toBe(error);
  });
});

describe('parseEvent', () => {
  const Schema = Type.Object(
    {
      dryRun: Fields.boolean(),
      count: Fields.integer(1, 35),
      mode: Fields.oneOf(['alarm', 'records']),
      nested: Type.Object({ name: Fields.name('a group name') }, { additionalProperties: false }),
    },
    { additionalProperties: false },
  );

  test('a valid event comes back as it was', () => {
    const event = { dryRun: true, count: 3, mode: 'alarm', nested: { name: 'g' } };

    expect(parseEvent('step', Schema, event)).toBe(event);
  });

  test('every bad field is named with the value received and what is allowed', () => {
    const act = () => parseEvent('step', Schema, { dryRun: 'yes', count: 40, mode: 'dns', nested: {}, dry_run: true });

    expect(act).toThrow(InvalidEventError);
    try {
      act();
    } catch (error) {
      const problems = (error as InvalidEventError).problems;
      expect(problems).toEqual(
        expect.arrayContaining([
          { field: 'dryRun', value: 'yes', allowed: 'true or false' },
          { field: 'count', value: 40, allowed: 'an integer from 1 to 35' },
          { field: 'mode', value: 'dns', allowed: 'one of alarm, records' },
          { field: 'nested.name', value: undefined, allowed: 'a group name' },
          { field: 'dry_run', value: true, allowed: 'no such field; known fields: dryRun, count, mode, nested' },
        ]),
      );
      expect((error as Error).message).toMatch(/^step: invalid event \(5 problems\): /);
      expect((error as Error).message).toContain('count: got 40; allowed: an integer from 1 to 35');
      expect((error as Error).message).toContain('nested.name: got nothing; allowed: a group name');
    }
  });

  test('a non-object event is refused', () => {
    expect(() => parseEvent('step', Schema, null)).toThrow(/step: invalid event/);
  });
});
