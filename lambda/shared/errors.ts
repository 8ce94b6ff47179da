/**
 * The errors a runbook step throws. Each has a fixed `name`, which Lambda reports as the error
 * type and Step Functions matches in its Retry and Catch rules (see `lib/runbook.ts`), so the
 * names are a contract with the state machine.
 */

/** Error names the state machine retries with backoff. */
export const RETRYABLE_ERROR_NAMES = ['TransientAwsError', 'ResourceBusy'] as const;

export type RunbookErrorName =
  | 'InvalidEvent'
  | 'TransientAwsError'
  | 'ResourceBusy'
  | 'ResourceNotFound'
  | 'AwsCallFailed'
  | 'UnexpectedState'
  | 'StepTimedOut';

/** Base of every error a step throws on purpose; keeps the AWS error it wraps as `cause`. */
export class RunbookError extends Error {
  override readonly name: RunbookErrorName;

  constructor(name: RunbookErrorName, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
  }
}

/** One field of a step's event that is missing or out of range. */
export interface EventProblem {
  /** Dotted path of the field, for example `capacity.desired`. */
  readonly field: string;
  readonly value: unknown;
  readonly allowed: string;
}

/** The event does not describe a step the handler can run; never retried. */
export class InvalidEventError extends RunbookError {
  readonly problems: readonly EventProblem[];

  constructor(step: string, problems: readonly EventProblem[]) {
    super(
      'InvalidEvent',
      `${step}: invalid event (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${problems
        .map((p) => `${p.field}: got ${describeValue(p.value)}; allowed: ${p.allowed}`)
        .join('; ')}`,
    );
    this.problems = problems;
  }
}

/** Throttling, a 5xx or a network failure: worth the state machine's retries. */
export class TransientAwsError extends RunbookError {
  constructor(message: string, cause: unknown) {
    super('TransientAwsError', message, { cause });
  }
}

/** The resource is busy with another operation (an RDS modification, a scaling activity): retried later. */
export class ResourceBusyError extends RunbookError {
  constructor(message: string, cause?: unknown) {
    super('ResourceBusy', message, { cause });
  }
}

/** A named resource does not exist: the runbook's configuration or the world is wrong. */
export class ResourceNotFoundError extends RunbookError {
  constructor(message: string, cause?: unknown) {
    super('ResourceNotFound', message, { cause });
  }
}

/** AWS refused the call for a reason retries cannot fix (validation, access denied). */
export class AwsCallFailedError extends RunbookError {
  constructor(message: string, cause: unknown) {
    super('AwsCallFailed', message, { cause });
  }
}

/** The world is in a shape the step refuses to act on (for example three PRIMARY records). */
export class UnexpectedStateError extends RunbookError {
  constructor(message: string) {
    super('UnexpectedState', message);
  }
}

/** A polled condition did not come true within its bound. */
export class StepTimedOutError extends RunbookError {
  constructor(message: string) {
    super('StepTimedOut', message);
  }
}

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'SlowDown',
  'PriorRequestNotComplete',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServiceError',
  'InternalError',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

const NOT_FOUND = new Set([
  'DBInstanceNotFound',
  'DBInstanceNotFoundFault',
  'ParameterNotFound',
  'NoSuchHealthCheck',
  'NoSuchHostedZone',
  'ResourceNotFound',
  'ResourceNotFoundException',
]);

const BUSY = new Set([
  'InvalidDBInstanceState',
  'InvalidDBInstanceStateFault',
  'ScalingActivityInProgress',
  'ScalingActivityInProgressFault',
  'ResourceContention',
  'ResourceContentionFault',
]);

interface AwsErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** The error code of an AWS SDK v3 error (its `name`, or the query-protocol `Code`). */
export function awsErrorCode(error: unknown): string {
  const e = (error ?? {}) as AwsErrorShape;
  return String(e.name && e.name !== 'Error' ? e.name : (e.Code ?? e.code ?? e.name ?? 'UnknownError'));
}

/**
 * Turns an error of an AWS call into a `RunbookError` the state machine can act on: throttling,
 * 5xx and network failures become retryable, a missing resource and a busy resource get their
 * own names, anything else is reported as is. `call` names the API and its target, for example
 * `PromoteReadReplica photo-prod-db-standby`.
 */
export function classifyAwsError(error: unknown, call: string): RunbookError {
  if (error instanceof RunbookError) return error;
  const e = (error ?? {}) as AwsErrorShape;
  const code = awsErrorCode(error);
  const detail = `${call} failed with ${code}: ${e.message ?? String(error)}`;
  const status = e.$metadata?.httpStatusCode ?? 0;

  if (BUSY.has(code) || BUSY.has(String(e.Code))) return new ResourceBusyError(detail, error);
  if (NOT_FOUND.has(code) || NOT_FOUND.has(String(e.Code))) return new ResourceNotFoundError(detail, error);
  if (THROTTLING.has(code) || NETWORK.has(String(e.code)) || e.$retryable || e.$fault === 'server' || status >= 500) {
    return new TransientAwsError(detail, error);
  }
  return new AwsCallFailedError(detail, error);
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
