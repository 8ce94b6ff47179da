import { type Static, type TSchema, Type } from 'typebox';
import Value from 'typebox/value';
import { type EventProblem, InvalidEventError } from './errors';

/**
 * Event fields shared by the steps' schemas. Each field's `description` is the "allowed" text of
 * the error a bad value gets, so it is written for the operator who reads it.
 */
export const Fields = {
  boolean: (description = 'true or false') => Type.Boolean({ description }),

  /** A resource name or id: a non-empty string without whitespace. */
  name: (what: string) => Type.String({ minLength: 1, maxLength: 2048, pattern: '^\\S+$', description: what }),

  integer: (minimum: number, maximum: number, what = '') =>
    Type.Integer({ minimum, maximum, description: `an integer from ${minimum} to ${maximum}${what}` }),

  oneOf: <const V extends string[]>(values: readonly [...V]) =>
    Type.Enum(values, { description: `one of ${values.join(', ')}` }),

  /** An ISO 8601 UTC timestamp, as Step Functions writes `$$.Execution.StartTime`. */
  timestamp: () =>
    Type.String({
      pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$',
      description: 'an ISO 8601 UTC timestamp such as 2030-01-01T00:00:00.000Z',
    }),

  region: () =>
    Type.String({ pattern: '^[a-z]{2}(-[a-z]+)+-\\d$', description: 'an AWS region name such as us-west-2' }),
};

/** The fields every step's event carries. */
export const CommonFields = {
  dryRun: Fields.boolean('true (run every check, change nothing) or false'),
  executionId: Fields.name('the Step Functions execution id (or another non-empty id for a manual run)'),
};

export const CommonEvent = Type.Object(CommonFields);
export type CommonEvent = Static<typeof CommonEvent>;

/**
 * Checks `event` against `schema` and returns it typed; otherwise throws `InvalidEventError`
 * listing every bad field with the value received and what is allowed.
 */
export function parseEvent<S extends TSchema>(step: string, schema: S, event: unknown): Static<S> {
  if (Value.Check(schema, event)) return event as Static<S>;

  const problems: EventProblem[] = [];
  const seen = new Set<string>();
  const add = (field: string, value: unknown, allowed: string) => {
    if (seen.has(field)) return;
    seen.add(field);
    problems.push({ field: field || '(event)', value, allowed });
  };

  for (const error of Value.Errors(schema, event)) {
    // Each branch of a union reports its own mismatch; the union's own error says it better.
    if (error.schemaPath.includes('/anyOf/')) continue;
    const path = pointerToPath(error.instancePath);
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'required') {
      for (const name of (params.requiredProperties as string[] | undefined) ?? []) {
        const field = path ? `${path}.${name}` : name;
        add(field, undefined, allowedAt(schema, [...segments(error.instancePath), name]) ?? 'a value (required)');
      }
    } else if (error.keyword === 'additionalProperties') {
      const known = Object.keys(propertiesAt(schema, segments(error.instancePath)));
      for (const name of (params.additionalProperties as string[] | undefined) ?? []) {
        add(
          path ? `${path}.${name}` : name,
          valueAt(event, [...segments(error.instancePath), name]),
          `no such field; known fields: ${known.join(', ')}`,
        );
      }
    } else if (!(error.keyword === 'boolean' && error.message === 'schema is false')) {
      const parts = segments(error.instancePath);
      add(path, valueAt(event, parts), allowedAt(schema, parts) ?? error.message);
    }
  }
  if (problems.length === 0) add('', event, 'an object');
  throw new InvalidEventError(step, problems);
}

function segments(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function pointerToPath(pointer: string): string {
  return segments(pointer)
    .map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join('');
}

function valueAt(value: unknown, parts: readonly string[]): unknown {
  let current = value;
  for (const part of parts) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

type SchemaNode = { description?: string; properties?: Record<string, SchemaNode>; items?: SchemaNode };

function schemaAt(schema: TSchema, parts: readonly string[]): SchemaNode | undefined {
  let current: SchemaNode | undefined = schema as SchemaNode;
  for (const part of parts) {
    if (!current) return undefined;
    current = /^\d+$/.test(part) && current.items ? current.items : current.properties?.[part];
  }
  return current;
}

function allowedAt(schema: TSchema, parts: readonly string[]): string | undefined {
  return schemaAt(schema, parts)?.description;
}

function propertiesAt(schema: TSchema, parts: readonly string[]): Record<string, SchemaNode> {
  return schemaAt(schema, parts)?.properties ?? {};
}
