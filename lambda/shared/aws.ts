import { classifyAwsError } from './errors';

/**
 * Sends one AWS call and turns its failure into a named `RunbookError` (see `classifyAwsError`).
 * `call` names the API and its target, so the error says what was being done to what.
 */
export async function send<T>(call: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw classifyAwsError(error, call);
  }
}

/** Seconds between two ISO timestamps (or from one to now), rounded to milliseconds. */
export function secondsBetween(from: string, to: string | Date = new Date()): number {
  const end = typeof to === 'string' ? Date.parse(to) : to.getTime();
  return Math.round(end - Date.parse(from)) / 1000;
}
