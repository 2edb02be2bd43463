import type { RateLimitBucket, RateLimitUpdate } from './types.ts';

/** The editable fields of a token bucket. */
export type BucketField = 'maxTokens' | 'refillRate';

/** What the edit form holds: the inputs' text, as typed. */
export type BucketDraft = Record<BucketField, string>;

/** The form's starting values for a bucket. */
export function bucketDraft(bucket: Pick<RateLimitBucket, BucketField>): BucketDraft {
  return { maxTokens: String(bucket.maxTokens), refillRate: String(bucket.refillRate) };
}

/** The outcome of reading a draft: the update to send (null when nothing changed), or the field that is unreadable. */
export type DraftResult =
  { ok: true; update: RateLimitUpdate | null } | { ok: false; field: BucketField; message: string };

const FIELD_NAMES: Record<BucketField, string> = { maxTokens: 'Max tokens', refillRate: 'Refill rate' };

/**
 * Turns the form into a `PUT /api/admin/rate-limits/:service` body with the changed fields only. Only a value that is
 * not a number at all is refused here; ranges and integer rules are the server's to judge, and its message is shown.
 */
export function draftToUpdate(bucket: Pick<RateLimitBucket, BucketField>, draft: BucketDraft): DraftResult {
  const update: RateLimitUpdate = {};
  for (const field of ['maxTokens', 'refillRate'] as const) {
    const text = draft[field].trim();
    const value = text === '' ? Number.NaN : Number(text);
    if (!Number.isFinite(value)) return { ok: false, field, message: `${FIELD_NAMES[field]} must be a number.` };
    if (value !== bucket[field]) update[field] = value;
  }
  return { ok: true, update: Object.keys(update).length > 0 ? update : null };
}

/** The form field a server validation message is about (`body/maxTokens must be integer`), or null. */
export function fieldOfMessage(message: string): BucketField | null {
  if (/\bmaxTokens\b/.test(message)) return 'maxTokens';
  if (/\brefillRate\b/.test(message)) return 'refillRate';
  return null;
}

/** How a refill interval reads after "N tokens": "per second", "per minute", "every 2.5 s". */
export function perInterval(ms: number): string {
  if (ms === 1000) return 'per second';
  if (ms === 60_000) return 'per minute';
  if (ms === 3_600_000) return 'per hour';
  if (ms === 86_400_000) return 'per day';
  if (ms % 60_000 === 0) return `every ${ms / 60_000} min`;
  return `every ${Number((ms / 1000).toFixed(2))} s`;
}
