/** One invalid setting: where it is, what was received and what is allowed. */
export interface ConfigProblem {
  /** Dotted path of the setting, for example `primary.network.natGateways`. */
  readonly key: string;
  readonly value: unknown;
  readonly allowed: string;
}

/**
 * Thrown when the configuration cannot describe a deployable platform. Synth stops with every
 * problem listed at once, so that one run shows all of them.
 */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(
      [
        `Invalid photo-platform configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
        ...problems.map((p) => `  - ${p.key}: got ${describe(p.value)}; allowed: ${p.allowed}`),
      ].join('\n'),
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  return JSON.stringify(value) ?? String(value);
}
