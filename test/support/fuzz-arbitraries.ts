/**
 * fast-check arbitraries that turn one OpenAPI operation into HTTP requests, valid and hostile: path parameters,
 * queries, headers and bodies built from the operation's schemas, mixed with values known to break services (wrong
 * types, non-finite and huge numbers, NUL and control characters, strings of 10 kB and more, JSON nested 1,000 deep,
 * wrong content types, missing, forged and garbage credentials).
 */
import fc from 'fast-check';
import type { FuzzOperation, JsonSchema, OpenApiParameter, SchemaValidators } from './fuzz-openapi.ts';

/** One request to send with `app.inject`. */
export interface FuzzRequest {
  op: string;
  method: string;
  /** Path and query exactly as sent (raw: may hold bad percent-encoding on purpose). */
  url: string;
  headers: Record<string, string>;
  payload: string | undefined;
  /** Every part is what the document accepts, including the credentials the operation asks for. */
  valid: boolean;
  /** Path and query parameters are valid (whatever the credentials and body). */
  paramsValid: boolean;
}

/** Credentials the suite holds: the real ones, and forged ones built with the real secret or without it. */
export interface AuthPool {
  admin: string;
  guest: string;
  /** The Share host secret (BEARER_TOKEN). */
  share: string;
  /** Named `Authorization` values that must never pass (forged, expired, tampered, garbage). */
  hostile: Record<string, string>;
}

/** Values harvested from the app's own 2xx answers, by property name (song ids, run ids, cursors, ...). */
export type Harvest = Map<string, Set<string>>;

const LONG = 10_240;

/** Strings that have broken services before: numbers a parser may coerce, text SQL or a router may choke on. */
export const HOSTILE_TEXT: readonly string[] = [
  '',
  ' ',
  '0',
  '-0',
  '-1',
  '1.5',
  '1e3',
  '0x1F',
  'Infinity',
  '-Infinity',
  '+Infinity',
  'NaN',
  '1e309',
  '-1e309',
  '1e-320',
  '5e-324',
  '9007199254740993',
  '9'.repeat(400),
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '\u0000',
  'a\u0000b',
  '1\u0000',
  '\u0001\u0002\u001f\u007f',
  '\r\n',
  'a\r\nX-Injected: 1',
  '\t1',
  ' 1 ',
  '..',
  '../../../etc/passwd',
  "' OR 1=1 --",
  '"; DROP TABLE songs; --',
  '<script>alert(1)</script>',
  'javascript:alert(1)',
  '🎵🎶',
  '\u202e\u200b\ufeff',
  'ä'.repeat(200),
  'x'.repeat(LONG),
  'é'.repeat(LONG / 2),
  '\u0000'.repeat(LONG),
  '__proto__',
  'constructor',
];

/** Date-and-id shaped tokens (impossible dates, signs, exponents, NUL): what an opaque keyset cursor may decode to. */
const TOKEN_TEXT: readonly string[] = [
  '2026-02-30|1',
  '2026-02-31|1',
  '2026-13-01|1',
  '2026-00-10|1',
  '0000-00-00|0',
  '9999-99-99|999999999999999',
  '2026-01-01|-1',
  '2026-01-01|1e3',
  '2026-01-01|0',
  '2026-01-01|999999999999999',
  '2026-01-01|1\u0000',
  '2026-01-01',
  '|1',
  '2026-01-01||1',
  '275760-09-13|1',
  '1970-01-01|1',
];

/** Raw path segments and query values that are not valid percent-encoding, or carry what encoding should hide. */
const RAW_ENCODED: readonly string[] = [
  '%',
  '%%',
  '%zz',
  '%E0%A4%A',
  '%C0%AF',
  '%ED%A0%80',
  '%FF',
  '%00',
  '%2e%2e',
  '%2F',
  'a%20b',
  '%25',
  '%u0041',
  '%0d%0a',
];

const base64url = (text: string): string => Buffer.from(text).toString('base64url');

/** Stands for a number literal JSON.stringify cannot write (`1e309`, `-0`, ...) until {@link toJsonText}. */
const RAW_MARK = '\u0000raw\u0000';
const raw = (literal: string): string => `${RAW_MARK}${literal}${RAW_MARK}`;
const RAW_NUMBERS = ['1e309', '-1e309', '-0', '1e-320', '5e-324', '0.0', '1E2', '9'.repeat(400), '1.0e+2'];

/** JSON text of a value, with raw number literals (see {@link raw}) written as themselves. */
export function toJsonText(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.replace(/"\\u0000raw\\u0000(.*?)\\u0000raw\\u0000"/g, '$1');
}

function encodeSafe(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return encodeURIComponent(text.replace(/[\uD800-\uDFFF]/g, '?'));
  }
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const hostileText = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE_TEXT) },
  { weight: 2, arbitrary: fc.constantFrom(...TOKEN_TEXT) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_TEXT, ...TOKEN_TEXT).map(base64url) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 290, maxLength: 320 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }).map((s) => `${s}\u0000${s}`) },
);

function schemaType(schema: JsonSchema): string {
  const type = Array.isArray(schema.type) ? (schema.type[0] as unknown) : schema.type;
  return typeof type === 'string' ? type : 'any';
}

function num(schema: JsonSchema, key: string): number | undefined {
  const value = schema[key];
  return typeof value === 'number' ? value : undefined;
}

/** Values the schema accepts (JSON values), boundaries included. */
export function validValue(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema) return fc.jsonValue({ maxDepth: 2 });
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if (Array.isArray(schema.anyOf)) return fc.oneof(...(schema.anyOf as JsonSchema[]).map((s) => validValue(s, depth)));
  switch (schemaType(schema)) {
    case 'integer': {
      const min = num(schema, 'minimum') ?? -1_000_000;
      const max = num(schema, 'maximum') ?? 1_000_000;
      const lo = Math.max(min, Number.MIN_SAFE_INTEGER);
      const hi = Math.min(max, Number.MAX_SAFE_INTEGER);
      return fc.oneof(
        fc.constantFrom(lo, hi),
        fc.integer({ min: Math.max(lo, -(2 ** 31)), max: Math.min(hi, 2 ** 31 - 1) }),
      );
    }
    case 'number': {
      const min = num(schema, 'minimum') ?? -1e9;
      const max = num(schema, 'maximum') ?? 1e9;
      const tiny = [5e-324, 1e-320, Number.MIN_VALUE * 4, 1e-300].filter((v) => v >= min && v <= max);
      return fc.oneof(
        fc.constantFrom(min, max),
        fc.double({ min, max, noNaN: true, noDefaultInfinity: true }),
        ...(tiny.length ? [fc.constantFrom(...tiny)] : []),
        ...(min <= 0 && max >= 0 ? [fc.constant(raw('-0'))] : []),
      );
    }
    case 'boolean':
      return fc.boolean();
    case 'string': {
      if (typeof schema.pattern === 'string') return fc.stringMatching(new RegExp(schema.pattern));
      const min = num(schema, 'minLength') ?? 0;
      const max = num(schema, 'maxLength') ?? 64;
      return fc.oneof(
        fc.string({ minLength: min, maxLength: Math.min(max, Math.max(min, 40)) }),
        fc.constant('a'.repeat(max)),
        fc.constant('a'.repeat(min)),
      );
    }
    case 'array':
      if (depth > 3) return fc.constant([]);
      return fc.array(validValue(schema.items as JsonSchema | undefined, depth + 1), { maxLength: 4 });
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const keys = Object.keys(props);
      if (depth > 3 || keys.length === 0) return fc.constant({});
      const minProps = num(schema, 'minProperties') ?? 0;
      return fc
        .record(Object.fromEntries(keys.map((k) => [k, validValue(props[k], depth + 1)])), {
          requiredKeys: keys.filter((k) => required.has(k)),
        })
        .filter((value) => Object.keys(value).length >= minProps);
    }
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function deep(levels: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(levels)}${']'.repeat(levels)}`
    : `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

const hostileJsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, [], {}, '', 'x'.repeat(LONG), '\u0000', 2 ** 53 + 2, -(2 ** 63)),
  fc.constantFrom(...RAW_NUMBERS).map(raw),
  hostileText,
  fc.jsonValue({ maxDepth: 3 }),
);

/** Values the schema should refuse, or that sit on its edge: wrong types, out of range, non-finite, extra keys. */
export function invalidValue(schema: JsonSchema | undefined): fc.Arbitrary<unknown> {
  if (!schema || schemaType(schema) !== 'object') return hostileJsonValue;
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const keys = Object.keys(props);
  if (keys.length === 0) return hostileJsonValue;
  const onePropBroken = fc
    .tuple(validValue(schema), fc.constantFrom(...keys), hostileJsonValue)
    .map(([base, key, bad]) => ({ ...(base as object), [key]: bad }));
  const outOfRange = fc.tuple(validValue(schema), fc.constantFrom(...keys)).map(([base, key]) => {
    const p = props[key] ?? {};
    const options = [
      num(p, 'minimum') !== undefined ? (num(p, 'minimum') as number) - 1 : 'x',
      num(p, 'maximum') !== undefined ? (num(p, 'maximum') as number) * 10 + 1 : null,
      num(p, 'maxLength') !== undefined ? 'a'.repeat((num(p, 'maxLength') as number) + 1) : 1e308,
    ];
    return { ...(base as object), [key]: options[(key.length + keys.length) % options.length] };
  });
  return fc.oneof(
    { weight: 4, arbitrary: onePropBroken },
    { weight: 2, arbitrary: outOfRange },
    { weight: 1, arbitrary: validValue(schema).map((v) => ({ ...(v as object), unexpected: 1 })) },
    { weight: 1, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.constantFrom(...keys).map((k) => ({ [k]: null })) },
    { weight: 2, arbitrary: hostileJsonValue },
  );
}

/** Body texts that are not JSON the schema could accept at all. */
const JUNK_BODIES: readonly string[] = [
  '',
  '{',
  '{"a":}',
  'nul',
  '\u0000',
  '\ufeff{}',
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  '{"maxTokens":1,"maxTokens":"x"}',
  'a=1&b=2',
  '[1,2,',
  '"' + 'x'.repeat(LONG) + '"',
  deep(1000, 'array'),
  deep(1000, 'object'),
  deep(5000, 'array'),
];

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON'];
const OTHER_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/json; charset=latin1',
  'application/vnd.api+json',
  'application/jsonx',
  ';;;',
  'text/html',
];

interface BodyPart {
  payload: string | undefined;
  contentType: string | undefined;
  valid: boolean;
}

function bodyPart(op: FuzzOperation, validators: SchemaValidators): fc.Arbitrary<BodyPart> {
  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...JSON_TYPES) },
    { weight: 2, arbitrary: fc.constantFrom(...OTHER_TYPES) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  const text = fc.oneof(
    { weight: 5, arbitrary: validValue(op.body).map(toJsonText) },
    { weight: 6, arbitrary: invalidValue(op.body).map(toJsonText) },
    { weight: 2, arbitrary: fc.constantFrom(...JUNK_BODIES) },
    { weight: 1, arbitrary: fc.constant(`{"pad":"${'x'.repeat(1024 * 1024 + 16)}"}`) },
  );
  const withBody = fc.tuple(text, contentType).map(([payload, type]): BodyPart => {
    let valid = false;
    if (op.body && type && /^application\/json(;|$)/i.test(type)) {
      try {
        valid = validators.check(op.body, JSON.parse(payload)) === undefined;
      } catch {
        valid = false;
      }
    }
    return { payload, contentType: type, valid: op.body ? valid : false };
  });
  const none = fc.constant<BodyPart>({ payload: undefined, contentType: undefined, valid: !op.bodyRequired });
  return op.body
    ? fc.oneof({ weight: 12, arbitrary: withBody }, { weight: 1, arbitrary: none })
    : fc.oneof({ weight: 5, arbitrary: none }, { weight: 1, arbitrary: withBody.map((b) => ({ ...b, valid: false })) });
}

/** Small edits of a valid value: NUL, blanks, a sign, a doubled or cut value, another case. */
const MUTATIONS: readonly ((value: string) => string)[] = [
  (v) => `${v}\u0000`,
  (v) => `\u0000${v}`,
  (v) => ` ${v} `,
  (v) => `-${v}`,
  (v) => `${v}${v}`,
  (v) => v.slice(0, -1),
  (v) => `${v}x`,
  (v) => v.toUpperCase(),
  (v) => `${v}%`,
  (v) => `${v}/..`,
];

/** Numbers a lenient parser turns into something the code does not expect. */
const NUMERIC_HOSTILE: readonly string[] = [
  'Infinity',
  '-Infinity',
  '+Infinity',
  '1e309',
  '-1e309',
  '-0',
  'NaN',
  '1e2',
  '1.5',
  '0x10',
  '0b1',
  '1_000',
  '',
  ' 1',
  '1 ',
  '9'.repeat(400),
  '9007199254740993',
  '1e-320',
  '\u00001',
];

/** Hostile values shaped by the parameter's declared type: numbers for numbers, edge lengths and tokens for text. */
function typedHostile(schema: JsonSchema | undefined): fc.Arbitrary<string> {
  const type = schema ? schemaType(schema) : undefined;
  if (type === 'integer' || type === 'number') {
    const edges: string[] = [];
    const min = schema ? num(schema, 'minimum') : undefined;
    const max = schema ? num(schema, 'maximum') : undefined;
    if (min !== undefined) edges.push(String(min - 1), String(min - 0.5));
    if (max !== undefined) edges.push(String(max + 1), String(max * 1e6));
    return fc.constantFrom(...NUMERIC_HOSTILE, ...edges);
  }
  if (type === 'boolean') return fc.constantFrom('TRUE', 'yes', '1', '0', '', 'null', 'true\u0000', 'false ');
  const maxLength = schema ? num(schema, 'maxLength') : undefined;
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...TOKEN_TEXT).map(base64url) },
    { weight: 1, arbitrary: fc.constantFrom(...TOKEN_TEXT) },
    { weight: 1, arbitrary: fc.constant('x'.repeat((maxLength ?? 300) + 1)) },
    { weight: 1, arbitrary: fc.constant('x'.repeat(LONG)) },
    { weight: 1, arbitrary: fc.constantFrom('\u0000', 'a\u0000', '%00', '\u0000'.repeat(10)) },
  );
}

interface Part {
  text: string;
  valid: boolean;
}

/** Known values for a parameter: harvested under its name, or a name ending in it (`runId` for `id`). */
function harvested(harvest: Harvest, name: string): string[] {
  const lower = name.toLowerCase();
  const out = new Set<string>();
  for (const [key, values] of harvest) {
    const k = key.toLowerCase();
    if (k === lower || k.endsWith(lower)) for (const v of values) out.add(v);
  }
  return [...out].slice(0, 200);
}

function paramValue(
  param: OpenApiParameter,
  validators: SchemaValidators,
  harvest: Harvest,
  encode: (text: string) => string,
): fc.Arbitrary<Part> {
  const known = harvested(harvest, param.name).filter((v) => validators.acceptsParam(param.schema, v));
  const valid = validValue(param.schema).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  const knownOrValid = known.length ? fc.constantFrom(...known) : valid;
  const decoded = fc.oneof(
    { weight: 3, arbitrary: knownOrValid },
    { weight: 2, arbitrary: valid },
    { weight: 2, arbitrary: fc.tuple(knownOrValid, fc.constantFrom(...MUTATIONS)).map(([v, mutate]) => mutate(v)) },
    { weight: 4, arbitrary: typedHostile(param.schema) },
    { weight: 4, arbitrary: hostileText },
  );
  const encoded = decoded.map((text) => ({ text: encode(text), valid: validators.acceptsParam(param.schema, text) }));
  const rawText = fc.constantFrom(...RAW_ENCODED).map((text) => ({
    text,
    valid: validators.acceptsParam(param.schema, decodeSafe(text)),
  }));
  return fc.oneof({ weight: 8, arbitrary: encoded }, { weight: 1, arbitrary: rawText });
}

/** A value a stream's parameters can only refuse (checked with and without surrounding blanks). */
function refusedValue(param: OpenApiParameter, validators: SchemaValidators): fc.Arbitrary<Part> {
  return fc
    .oneof(hostileText, fc.constantFrom(...RAW_ENCODED).map(decodeSafe))
    .filter((text) => {
      const t = text.trim();
      return t !== '' && !validators.acceptsParam(param.schema, text) && !validators.acceptsParam(param.schema, t);
    })
    .map((text) => ({ text, valid: false }));
}

function pathPart(op: FuzzOperation, validators: SchemaValidators, harvest: Harvest): fc.Arbitrary<Part> {
  const segments = op.pathParams.map((p) => paramValue(p, validators, harvest, encodeSafe));
  return fc.tuple(...segments).map((parts) => {
    let path = op.path;
    op.pathParams.forEach((p, i) => (path = path.replace(`{${p.name}}`, parts[i]!.text)));
    return { text: path, valid: parts.every((part) => part.valid) };
  });
}

const EXTRA_QUERY = ['foo=1', '__proto__[x]=1', 'constructor=1', 'a[b]=c', '&&', '=', 'x', `long=${'y'.repeat(LONG)}`];

function queryPart(op: FuzzOperation, validators: SchemaValidators, harvest: Harvest): fc.Arbitrary<Part> {
  const each = op.queryParams.map((p) => {
    const value = op.streams
      ? refusedValue(p, validators).map((v) => ({ ...v, text: encodeSafe(v.text) }))
      : paramValue(p, validators, harvest, encodeSafe);
    const present = value.map((v) => ({ text: `${encodeURIComponent(p.name)}=${v.text}`, valid: v.valid }));
    const duplicated = fc
      .tuple(value, value)
      .map(([a, b]) => ({ text: `${p.name}=${a.text}&${p.name}=${b.text}`, valid: false }));
    const absent = fc.constant({ text: '', valid: p.required !== true });
    if (op.streams) return present;
    return fc.oneof(
      { weight: 3, arbitrary: present },
      { weight: 2, arbitrary: absent },
      { weight: 1, arbitrary: duplicated },
    );
  });
  const extras = fc.oneof(
    { weight: 6, arbitrary: fc.constant([] as string[]) },
    { weight: 1, arbitrary: fc.array(fc.constantFrom(...EXTRA_QUERY), { minLength: 1, maxLength: 2 }) },
  );
  return fc.tuple(fc.tuple(...each), extras).map(([parts, extra]) => {
    const text = [...parts.map((p) => p.text).filter(Boolean), ...extra].join('&');
    return { text: text ? `?${text}` : '', valid: parts.every((p) => p.valid) && extra.length === 0 };
  });
}

function authPart(op: FuzzOperation, auth: AuthPool): fc.Arbitrary<{ value: string | undefined; valid: boolean }> {
  const needsAdmin = op.security.includes('adminToken');
  const needsGuest = op.security.includes('guestToken');
  const needsShare = op.security.includes('shareToken');
  const hostile = fc
    .constantFrom(...Object.values(auth.hostile))
    .map((value) => ({ value, valid: op.security.length === 0 }));
  const none = fc.constant({ value: undefined, valid: op.security.length === 0 });
  const admin = fc.constant({ value: `Bearer ${auth.admin}`, valid: needsAdmin || op.security.length === 0 });
  const guest = fc.constant({ value: `Bearer ${auth.guest}`, valid: needsGuest || op.security.length === 0 });
  const share = fc.constant({ value: `Bearer ${auth.share}`, valid: needsShare || op.security.length === 0 });
  const garbage = fc.string({ unit: 'binary', maxLength: 60 }).map((s) => ({ value: `Bearer ${s}`, valid: false }));
  return fc.oneof(
    { weight: needsAdmin ? 9 : 2, arbitrary: admin },
    { weight: needsGuest ? 9 : 2, arbitrary: guest },
    { weight: needsShare ? 9 : 1, arbitrary: share },
    { weight: 2, arbitrary: none },
    { weight: 5, arbitrary: hostile },
    { weight: 1, arbitrary: garbage },
  );
}

const EXTRA_HEADERS: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.constantFrom<[string, string]>(
    ['accept', 'text/event-stream'],
    ['accept', 'application/xml'],
    ['accept', '*/*;q=abc'],
    ['accept-encoding', 'gzip, br, deflate'],
    ['x-forwarded-for', '1.2.3.4, 5.6.7.8'],
    ['x-forwarded-for', 'not-an-ip'],
    ['x-forwarded-host', 'evil.example'],
    ['x-forwarded-proto', 'gopher'],
    ['host', 'evil.example'],
    ['host', ''],
    ['origin', 'null'],
    ['cookie', '=;=;;a'],
    ['if-none-match', '*'],
    ['range', 'bytes=0-1,5-3'],
    ['user-agent', 'x'.repeat(LONG)],
    ['x-request-id', '\u0000'],
    ['content-length', '3'],
    ['content-length', '99999999'],
    ['content-length', 'abc'],
    ['transfer-encoding', 'chunked'],
    ['content-encoding', 'gzip'],
    ['expect', '100-continue'],
  ),
  hostileText.map((value): [string, string] => ['last-event-id', value]),
  hostileText.map((value): [string, string] => ['x-fuzz', value]),
);

/** Requests for one operation: every part from the document's schemas or from the hostile pools. */
export function requestArbitrary(
  op: FuzzOperation,
  validators: SchemaValidators,
  auth: AuthPool,
  harvest: Harvest,
): fc.Arbitrary<FuzzRequest> {
  const streamHeader = fc.oneof(
    fc.constant<[string, string] | undefined>(undefined),
    refusedValue(
      { in: 'header', name: 'last-event-id', schema: { type: 'string', pattern: '^[0-9]{1,15}$' } },
      validators,
    ).map((v): [string, string] => ['last-event-id', v.text]),
  );
  const extraHeaders = op.streams
    ? streamHeader.map((h) => (h ? [h] : []))
    : fc.oneof(
        { weight: 5, arbitrary: fc.constant([] as [string, string][]) },
        { weight: 2, arbitrary: fc.array(EXTRA_HEADERS, { minLength: 1, maxLength: 3 }) },
      );
  return fc
    .record({
      path: pathPart(op, validators, harvest),
      query: queryPart(op, validators, harvest),
      auth: authPart(op, auth),
      body: bodyPart(op, validators),
      headers: extraHeaders,
    })
    .map(({ path, query, auth: credentials, body, headers }) => {
      const out: Record<string, string> = {};
      for (const [name, value] of headers) out[name] = value;
      if (credentials.value !== undefined) out.authorization = credentials.value;
      if (body.contentType !== undefined) out['content-type'] = body.contentType;
      return {
        op: op.key,
        method: op.method,
        url: `${path.text}${query.text}`,
        headers: out,
        payload: body.payload,
        valid: path.valid && query.valid && credentials.valid && body.valid && headers.length === 0,
        paramsValid: path.valid && query.valid,
      };
    });
}

/** Paths outside the document and methods a path does not have: they must answer the documented 404 too. */
export function strayRequestArbitrary(paths: string[]): fc.Arbitrary<FuzzRequest> {
  const base = fc.constantFrom(...paths.map((p) => p.replace(/\{[^}]+\}/g, '1')));
  const url = fc.oneof(
    base.map((p) => `${p}/extra`),
    fc.tuple(base, fc.constantFrom(...RAW_ENCODED)).map(([p, bad]) => `${p}${bad}`),
    fc.constantFrom(...RAW_ENCODED).map((bad) => `/api/${bad}`),
    fc.constantFrom('/api', '/api/', '//api//health', '/api/health/..', `/api/${'a'.repeat(LONG)}`, '/api/health?%'),
  );
  const method = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS');
  return fc.record({ url, method }).map(({ url: u, method: m }) => ({
    op: 'stray',
    method: m,
    url: u,
    headers: {},
    payload: undefined,
    valid: false,
    paramsValid: false,
  }));
}
