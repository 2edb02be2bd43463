/**
 * What the fuzz suite asserts about every answer (no 5xx, errors in the documented shape, 2xx bodies valid against
 * the document), the database snapshot that proves a rejected request wrote nothing, and the counters it prints.
 */
import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../../src/infra/db.ts';
import { queryRows } from '../../src/infra/db.ts';
import type { FuzzRequest } from './fuzz-arbitraries.ts';
import { responseSchema, type FuzzOperation, type OpenApiDocument, type SchemaValidators } from './fuzz-openapi.ts';

export interface FuzzAnswer {
  status: number;
  contentType: string;
  body: string;
}

const ERROR_KEYS = new Set(['code', 'message', 'details']);

/** Problems with one answer, empty when it keeps every promise. */
export function checkAnswer(
  doc: OpenApiDocument,
  validators: SchemaValidators,
  op: FuzzOperation | undefined,
  method: string,
  answer: FuzzAnswer,
): string[] {
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`status ${answer.status}`);
  // An answer to HEAD has no body by definition: only its status can be checked.
  if (method === 'HEAD') return problems;
  if (answer.status >= 400) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      problems.push(`error body is not JSON (${answer.contentType || 'no content type'})`);
      return problems;
    }
    problems.push(...(op?.path.startsWith('/api/share/') ? shareErrorProblems(parsed) : errorShapeProblems(parsed)));
  } else if (answer.status === 204) {
    if (answer.body !== '') problems.push('204 with a body');
    if (op && !op.statuses.includes('204')) problems.push('status 204 is not documented');
  } else if (answer.status >= 200 && answer.status < 300 && op) {
    if (!op.statuses.includes(String(answer.status))) problems.push(`status ${answer.status} is not documented`);
    const schema = responseSchema(doc, op, answer.status);
    if (schema) {
      try {
        const error = validators.check(schema, JSON.parse(answer.body));
        if (error) problems.push(`2xx body does not match the document: ${error.slice(0, 300)}`);
      } catch {
        problems.push('2xx body is not JSON');
      }
    }
  }
  return problems;
}

function errorShapeProblems(parsed: unknown): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(parsed) || Object.keys(parsed).length !== 1 || !isObject(parsed.error)) {
    return ['error body is not exactly { error: {...} }'];
  }
  const error = parsed.error;
  const problems: string[] = [];
  if (typeof error.code !== 'string' || !/^BACKBEAT_ERR_[A-Z_]+$/.test(error.code)) problems.push('error.code');
  if (typeof error.message !== 'string') problems.push('error.message');
  if ('details' in error && !isObject(error.details)) problems.push('error.details is not an object');
  const extra = Object.keys(error).filter((k) => !ERROR_KEYS.has(k));
  if (extra.length) problems.push(`error has extra keys ${extra.join(',')}`);
  return problems.map((p) => `error shape: ${p}`);
}

/**
 * Share routes answer errors in seed 004's flat shape, `{ success: false, error: <message>, code: BACKBEAT_ERR_* }`;
 * errors raised before routing (a URL that does not decode) keep the app's shape.
 */
function shareErrorProblems(parsed: unknown): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(parsed) && isObject(parsed.error)) return errorShapeProblems(parsed);
  if (!isObject(parsed)) return ['share error shape: not an object'];
  const problems: string[] = [];
  if (parsed.success !== false) problems.push('success is not false');
  if (typeof parsed.error !== 'string') problems.push('error is not a string');
  if (typeof parsed.code !== 'string' || !/^BACKBEAT_ERR_[A-Z_]+$/.test(parsed.code)) problems.push('code');
  const extra = Object.keys(parsed).filter((k) => !['success', 'error', 'code'].includes(k));
  if (extra.length) problems.push(`extra keys ${extra.join(',')}`);
  return problems.map((p) => `share error shape: ${p}`);
}

/** Row counts of every table a request may write, and the token buckets themselves. */
export async function snapshot(db: DatabaseHandle): Promise<string> {
  const [counts] = await queryRows<Record<string, unknown>>(
    db.db,
    sql`SELECT
      (SELECT count(*) FROM songs) AS songs,
      (SELECT count(*) FROM new_release_events) AS events,
      (SELECT count(*) FROM song_likes) AS likes,
      (SELECT count(*) FROM fetch_runs) AS runs,
      (SELECT count(*) FROM rate_limit_tokens) AS buckets,
      (SELECT count(*) FROM source_state) AS sources,
      (SELECT count(*) FROM cache_data) AS cache_entries,
      (SELECT count(*) FROM trending_albums) AS trending_albums,
      (SELECT count(*) FROM album_appearances) AS appearances,
      (SELECT count(*) FROM musicbrainz_matches) AS musicbrainz_matches,
      (SELECT count(*) FROM collection_items) AS collection`,
  );
  // The Discogs bucket's balance is left out: a release job accepted earlier spends Discogs tokens in the background,
  // on its own time, and asking Discogs for a release it does not have (a 404 answer) costs a token too.
  const buckets = await queryRows<Record<string, unknown>>(
    db.db,
    sql`SELECT service_name, max_tokens, refill_rate, refill_interval, paused_until,
          CASE WHEN service_name = 'discogs' THEN NULL ELSE tokens END AS tokens,
          CASE WHEN service_name = 'discogs' THEN NULL ELSE last_refill END AS last_refill
        FROM rate_limit_tokens ORDER BY service_name`,
  );
  return JSON.stringify({ counts, buckets }, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value instanceof Date ? value.toISOString() : value,
  );
}

/** Waits until no fetch run is in flight (a run started by an accepted request writes on its own time). */
export async function settle(db: DatabaseHandle, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const rows = await queryRows<{ n: unknown }>(
      db.db,
      sql`SELECT count(*) AS n FROM fetch_runs WHERE status = 'running'`,
    );
    if (Number(rows[0]?.n ?? 0) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One violation: the request as sent, and what the answer broke. */
export interface Violation {
  request: FuzzRequest;
  status: number;
  body: string;
  problems: string[];
  known: string | undefined;
}

/** Printable reproduction of a request (long values shortened, control characters escaped). */
export function describeRequest(request: FuzzRequest, body?: { status: number; body: string }): string {
  const short = (text: string): string => {
    const escaped = JSON.stringify(text.length > 160 ? `${text.slice(0, 120)}…(${text.length} chars)` : text);
    return escaped;
  };
  const headers = Object.entries(request.headers)
    .map(([k, v]) => `${k}: ${short(v)}`)
    .join(', ');
  const parts = [`${request.method} ${short(request.url)}`];
  if (headers) parts.push(`headers {${headers}}`);
  if (request.payload !== undefined) parts.push(`body ${short(request.payload)}`);
  if (body) parts.push(`→ ${body.status} ${short(body.body)}`);
  return parts.join(' ');
}

/** Counters of one mode's run. */
export class FuzzStats {
  requests = 0;
  readonly byClass = new Map<string, number>();
  readonly byOp = new Map<string, number>();
  fiveXx = 0;
  unsendable = 0;
  writeChecks = 0;
  readonly violations: Violation[] = [];
  readonly knownHits = new Map<string, { sent: number; failed: number }>();
  /** Requests valid by the document (parameters, body, credentials) that got a 400: reported, not failed on. */
  readonly validRefused: string[] = [];

  record(request: FuzzRequest, status: number): void {
    this.requests += 1;
    const cls = `${Math.floor(status / 100)}xx`;
    this.byClass.set(cls, (this.byClass.get(cls) ?? 0) + 1);
    this.byOp.set(request.op, (this.byOp.get(request.op) ?? 0) + 1);
    if (status >= 500) this.fiveXx += 1;
  }

  summary(mode: string, seed: number): string {
    const classes = [...this.byClass.entries()]
      .sort()
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    const lines = [
      `fuzz (${mode}): ${this.requests} requests (seed ${seed}); ${classes}; 5xx total=${this.fiveXx}; ` +
        `write checks=${this.writeChecks}; not sendable=${this.unsendable}; violations=${this.violations.filter((v) => !v.known).length}`,
      ...[...this.byOp.entries()].map(([op, n]) => `  ${op}: ${n}`),
    ];
    if (this.validRefused.length) {
      lines.push(`  valid by the document but refused with 400: ${this.validRefused.length}, e.g.`);
      lines.push(...[...new Set(this.validRefused)].slice(0, 5).map((line) => `    ${line}`));
    }
    for (const [id, hits] of this.knownHits) {
      lines.push(`  KNOWN_DEFECT ${id}: ${hits.sent} requests matched, ${hits.failed} still failing`);
    }
    return lines.join('\n');
  }
}
