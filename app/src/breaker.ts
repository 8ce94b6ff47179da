import CircuitBreaker from 'opossum';
import type { Metrics } from './metrics';

/** How a dependency's circuit breaker trips and recovers. */
export interface BreakerTuning {
  /** A call slower than this counts as a failure. */
  readonly timeoutMs: number;
  /** Failure percentage over the rolling window that opens the breaker. */
  readonly errorThresholdPercentage: number;
  /** Calls in the window before the percentage is trusted. */
  readonly volumeThreshold: number;
  /** Time open before one probe call is let through (half-open). */
  readonly resetTimeoutMs: number;
}

export const DEFAULT_BREAKER: BreakerTuning = {
  timeoutMs: 5_000,
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  resetTimeoutMs: 10_000,
};

type Thunk = () => Promise<unknown>;

/** A circuit breaker (opossum) around any async call of one dependency, reporting its state to the metrics. */
export class Breaker {
  private readonly breaker: CircuitBreaker<[Thunk], unknown>;

  constructor(
    readonly name: string,
    tuning: BreakerTuning,
    metrics: Metrics,
    /** Errors this returns true for are the caller's fault (a constraint violation) and do not trip the breaker. */
    isCallerError: (err: unknown) => boolean = () => false,
    onStateChange: (name: string, state: 'open' | 'half-open' | 'closed') => void = () => {},
  ) {
    this.breaker = new CircuitBreaker((work: Thunk) => work(), {
      name,
      timeout: tuning.timeoutMs,
      errorThresholdPercentage: tuning.errorThresholdPercentage,
      volumeThreshold: tuning.volumeThreshold,
      resetTimeout: tuning.resetTimeoutMs,
      errorFilter: isCallerError,
      // Nothing reads opossum's latency percentiles or its once-a-second snapshot events, and both cost on the hot
      // path: with percentiles on, every call's latency is kept for the whole 10 s window and the snapshot sorts
      // them all each second. The failure counts that open the breaker are kept either way.
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
    });
    const report = (state: 'open' | 'half-open' | 'closed', value: number) => () => {
      metrics.breakerState.set({ breaker: name }, value);
      onStateChange(name, state);
    };
    metrics.breakerState.set({ breaker: name }, 0);
    this.breaker.on('open', report('open', 2));
    this.breaker.on('halfOpen', report('half-open', 1));
    this.breaker.on('close', report('closed', 0));
  }

  /** Runs `work` through the breaker; rejects at once while the breaker is open. */
  fire<T>(work: () => Promise<T>): Promise<T> {
    return this.breaker.fire(work) as Promise<T>;
  }

  get state(): 'open' | 'half-open' | 'closed' {
    if (this.breaker.opened) return 'open';
    return this.breaker.halfOpen ? 'half-open' : 'closed';
  }

  /** Calls refused without running because the breaker was open, since it was created. */
  get rejections(): number {
    return this.breaker.stats.rejects;
  }

  /** Calls that ran and failed (timeouts included), since it was created. */
  get failures(): number {
    return this.breaker.stats.failures;
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}

/** True for the errors opossum raises itself: breaker open, call timed out, breaker shut down. */
export function isBreakerError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'EOPENBREAKER' || code === 'ETIMEDOUT' || code === 'ESHUTDOWN';
}
