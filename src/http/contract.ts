import { Type, type Static } from 'typebox';

/**
 * The shared HTTP contract: the error body every route answers with, health, and guest tokens. Each job keeps its own
 * `contract.ts` beside its domain code; `web/` imports the types from these files, never a hand-written copy.
 */

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'A stable BACKBEAT_ERR_* code (see the README)' }),
      message: Type.String({ description: '4xx: what to fix; 5xx: a generic text (details are only logged)' }),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { title: 'ErrorBody', description: 'Every error answer' },
);
export type ErrorBody = Static<typeof ErrorBody>;

export const CheckResult = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down'), Type.Literal('disabled')]),
  },
  { additionalProperties: true, description: 'One check; other fields are check-specific details' },
);

export const HealthReport = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]),
    checks: Type.Record(Type.String(), CheckResult),
  },
  { title: 'HealthReport' },
);
export type HealthReport = Static<typeof HealthReport>;

export const GuestToken = Type.Object(
  {
    token: Type.String({ description: 'Send as "Authorization: Bearer <token>"' }),
    userId: Type.String(),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { title: 'GuestToken' },
);
export type GuestToken = Static<typeof GuestToken>;

/** The standard error answers a route can give, for its `response` schema (documented in OpenAPI). */
export function errorResponses<const S extends readonly number[]>(...statuses: S): Record<S[number], typeof ErrorBody> {
  const out = {} as Record<S[number], typeof ErrorBody>;
  for (const status of statuses) out[status as S[number]] = ErrorBody;
  return out;
}

/**
 * Text that may reach SQL and logs: no NUL (PostgreSQL refuses it in `text`) and no other C0 control character or
 * DEL. Every string parameter, query and body field that is free text uses it.
 */
export const SAFE_TEXT_PATTERN = '^[^\\u0000-\\u001F\\u007F]*$';
export const SafeText = (options: { minLength?: number; maxLength: number; description?: string }) =>
  Type.String({ ...options, pattern: SAFE_TEXT_PATTERN });

/** A JSON number as text: what a numeric query parameter must look like (no `Infinity`, `0x10`, ` 5` or `NaN`). */
const DECIMAL = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

interface ValidationError {
  keyword: string;
  instancePath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  message: string;
}

interface Validator {
  (this: unknown, data: unknown, context?: never): boolean | Promise<unknown>;
  errors?: unknown[] | null;
}

interface SchemaCompiler {
  compile(schema: object, meta?: boolean): Validator;
}

type JsonSchema = Record<string, unknown>;

function asSchema(value: unknown): JsonSchema | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonSchema) : undefined;
}

/** True when a schema takes only numbers (and maybe null): `type` number/integer, or a union of such branches. */
function numeric(schema: JsonSchema): { nullable: boolean } | undefined {
  const types = Array.isArray(schema.type) ? (schema.type as unknown[]) : [schema.type];
  if (types.some((t) => t === 'number' || t === 'integer')) {
    return types.every((t) => t === 'number' || t === 'integer' || t === 'null')
      ? { nullable: types.includes('null') }
      : undefined;
  }
  const branches = schema.anyOf ?? schema.oneOf;
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  let nullable = false;
  let anyNumber = false;
  for (const branch of branches.map(asSchema)) {
    if (!branch) return undefined;
    if (branch.type === 'null') nullable = true;
    else if (numeric(branch)) anyNumber = true;
    else return undefined;
  }
  return anyNumber ? { nullable } : undefined;
}

function takesString(schema: JsonSchema): boolean {
  return schema.type === 'string' || (Array.isArray(schema.type) && schema.type.includes('string'));
}

/**
 * The first value of `data` that `schema` must refuse before coercion, as a validation error: a numeric field's
 * non-finite or non-decimal value, or a NUL character in any string field.
 */
function strictInputIssue(schema: JsonSchema, data: unknown, path: string): ValidationError | undefined {
  const num = numeric(schema);
  if (num) {
    // Only what Ajv would coerce (or accept) into a number is decided here; other values get Ajv's own message.
    const coercible = typeof data === 'string' && data !== '' && Number(data) == (data as unknown as number);
    const refused =
      (typeof data === 'number' && !Number.isFinite(data)) ||
      (coercible && !(DECIMAL.test(data) && Number.isFinite(Number(data)))) ||
      (data === null && !num.nullable) ||
      typeof data === 'boolean';
    if (!refused) return undefined;
    return {
      keyword: 'type',
      instancePath: path,
      schemaPath: '#/type',
      params: { type: 'number' },
      message: 'must be a finite number',
    };
  }
  if (typeof data === 'string' && data.includes('\u0000') && takesString(schema)) {
    return {
      keyword: 'pattern',
      instancePath: path,
      schemaPath: '#/pattern',
      params: { pattern: 'no NUL' },
      message: 'must not contain NUL characters',
    };
  }
  if (Array.isArray(data)) {
    const items = asSchema(schema.items);
    if (!items) return undefined;
    for (let i = 0; i < data.length; i++) {
      const issue = strictInputIssue(items, data[i], `${path}/${i}`);
      if (issue) return issue;
    }
    return undefined;
  }
  const properties = asSchema(schema.properties);
  const object = asSchema(data);
  if (!properties || !object) return undefined;
  for (const [key, sub] of Object.entries(properties)) {
    const subSchema = asSchema(sub);
    if (!subSchema || !Object.hasOwn(object, key)) continue;
    const issue = strictInputIssue(subSchema, object[key], `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    if (issue) return issue;
  }
  return undefined;
}

/**
 * An Ajv plugin for strict input (the app's `ajv.plugins`), applied to every route's parameters, query, headers and
 * body. Numbers: coercion turns query text such as `Infinity`, `1e309`, `0x10` or ` 5`, and a JSON `null` or `true`,
 * into numbers, and a JSON `1e309` parses to Infinity; with this plugin a field whose schema is a number takes only a
 * finite number or the text of one in JSON's grammar, anything else is a 400 (`querystring/limit must be a finite
 * number`) before coercion runs. Text: no string field takes a NUL character (PostgreSQL refuses it in `text` and
 * `jsonb`), whatever its schema; {@link SafeText} also refuses the other control characters.
 */
export function strictInput<A extends SchemaCompiler>(ajv: A): A {
  const compile = ajv.compile.bind(ajv);
  ajv.compile = (schema: object, meta?: boolean): Validator => {
    const validate = compile(schema, meta);
    const root = asSchema(schema);
    if (!root) return validate;
    const strict: Validator = function (this: unknown, data: unknown, context?: never) {
      const issue = strictInputIssue(root, data, '');
      if (issue) {
        strict.errors = [issue];
        return false;
      }
      const valid = validate.call(this, data, context);
      strict.errors = validate.errors ?? null;
      return valid;
    };
    return Object.assign(strict, { schema: root });
  };
  return ajv;
}
