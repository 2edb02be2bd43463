/**
 * The fuzz suite's view of `/api/openapi.json`: every operation with its parameters, body and answers, and JSON
 * Schema checks (TypeBox's schema engine) of what the document promises. Nothing here names a route: a route added
 * to the app is in the document, so it is fuzzed too.
 */
import Schema from 'typebox/schema';

export type JsonSchema = Record<string, unknown>;

export interface OpenApiParameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema?: JsonSchema;
}

interface OpenApiMedia {
  schema?: JsonSchema;
}

interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content?: Record<string, OpenApiMedia> };
  responses?: Record<string, { content?: Record<string, OpenApiMedia> }>;
  security?: Record<string, unknown>[];
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** One operation of the document, ready to fuzz. */
export interface FuzzOperation {
  /** `METHOD /path/{param}`, as the document names it. */
  key: string;
  method: string;
  path: string;
  pathParams: OpenApiParameter[];
  queryParams: OpenApiParameter[];
  headerParams: OpenApiParameter[];
  /** The JSON body schema, when the operation takes a body. */
  body: JsonSchema | undefined;
  bodyRequired: boolean;
  /** Security scheme names (`adminToken`, `guestToken`): any one of them is enough. */
  security: string[];
  /** Answers with a `text/event-stream`: a valid request would open a stream that never ends. */
  streams: boolean;
  /** Status codes the document lists. */
  statuses: string[];
  isWrite: boolean;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'options', 'head']);

export function operationsOf(doc: OpenApiDocument): FuzzOperation[] {
  const out: FuzzOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [lower, op] of Object.entries(item)) {
      if (!METHODS.has(lower)) continue;
      const method = lower.toUpperCase();
      const params = op.parameters ?? [];
      const responses = op.responses ?? {};
      out.push({
        key: `${method} ${path}`,
        method,
        path,
        pathParams: params.filter((p) => p.in === 'path'),
        queryParams: params.filter((p) => p.in === 'query'),
        headerParams: params.filter((p) => p.in === 'header'),
        body: op.requestBody?.content?.['application/json']?.schema,
        bodyRequired: op.requestBody?.required === true,
        security: (op.security ?? []).flatMap((entry) => Object.keys(entry)),
        streams: Object.values(responses).some((r) => Object.keys(r.content ?? {}).includes('text/event-stream')),
        statuses: Object.keys(responses),
        isWrite: WRITE_METHODS.has(method),
      });
    }
  }
  return out;
}

/** Reads a path or query string as the parameter's declared type (decimal, finite numbers; `true`/`false`). */
function coerce(schema: JsonSchema, raw: string): unknown {
  const type = Array.isArray(schema.type) ? (schema.type[0] as unknown) : schema.type;
  if (
    (type === 'integer' || type === 'number') &&
    /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(raw) &&
    Number.isFinite(+raw)
  ) {
    return +raw;
  }
  if (type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
  return raw;
}

/**
 * Validators of the document's schemas (JSON Schema, checked with TypeBox's schema engine). Path and query values
 * are read as their declared type first, so "does the document accept this" can be answered before sending.
 */
export class SchemaValidators {
  /** Errors of `value` against `schema` as text, or `undefined` when it is valid. */
  check(schema: JsonSchema, value: unknown): string | undefined {
    const [ok, errors] = Schema.Errors(schema as Schema.XSchema, value);
    if (ok) return undefined;
    return errors
      .slice(0, 3)
      .map((e) => `${e.instancePath || '/'} ${e.message}`)
      .join('; ');
  }

  /** Whether a path or query value (a string) is valid for its parameter once coerced. */
  acceptsParam(schema: JsonSchema | undefined, raw: string): boolean {
    if (!schema) return true;
    return Schema.Check(schema as Schema.XSchema, coerce(schema, raw));
  }
}

/** The response schema the document gives an operation for a status, when its answer is JSON. */
export function responseSchema(doc: OpenApiDocument, op: FuzzOperation, status: number): JsonSchema | undefined {
  const response = doc.paths[op.path]?.[op.method.toLowerCase()]?.responses?.[String(status)];
  return response?.content?.['application/json']?.schema;
}
