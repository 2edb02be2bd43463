import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { fetchRateLimits, updateRateLimit } from '../../lib/adminApi.ts';
import { ApiError } from '../../lib/api.ts';
import {
  bucketDraft,
  draftToUpdate,
  fieldOfMessage,
  perInterval,
  type BucketDraft,
  type BucketField,
} from '../../lib/bucketForm.ts';
import { sourceLabel } from '../../lib/releases.ts';
import { formatRelative } from '../../lib/time.ts';
import type { RateLimitBucket } from '../../lib/types.ts';
import { StatusPill } from './StatusPill.tsx';

function describe(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 0) return 'The server could not be reached.';
    return err.message.replace(/[.!]?$/, '.');
  }
  return 'Something went wrong.';
}

function round(n: number): string {
  return String(Math.round(n * 100) / 100);
}

interface FormError {
  field: BucketField | null;
  message: string;
}

/** Props of {@link BucketEditor}. */
interface BucketEditorProps {
  bucket: RateLimitBucket;
  token: string;
  now: number;
  onSaved: (bucket: RateLimitBucket) => void;
  onAuthError: (error: ApiError) => void;
}

function BucketEditor({ bucket, token, now, onSaved, onAuthError }: BucketEditorProps) {
  const id = useId();
  // Only what the user typed is kept; untouched fields follow the bucket as it is reloaded.
  const [edits, setEdits] = useState<Partial<BucketDraft>>({});
  const [error, setError] = useState<FormError | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const draft: BucketDraft = { ...bucketDraft(bucket), ...edits };
  const dirty = Object.keys(edits).length > 0;
  const paused = bucket.pausedUntil !== null && Date.parse(bucket.pausedUntil) > now;
  const fill = bucket.maxTokens > 0 ? Math.min(1, Math.max(0, bucket.tokens / bucket.maxTokens)) : 0;

  const edit = (field: BucketField, value: string) => {
    setEdits((prev) => ({ ...prev, [field]: value }));
    setSaved(false);
    if (error?.field === field || error?.field === null) setError(null);
  };

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const result = draftToUpdate(bucket, draft);
    if (!result.ok) {
      setError({ field: result.field, message: result.message });
      return;
    }
    if (!result.update) {
      setEdits({});
      return;
    }
    setSaving(true);
    setError(null);
    try {
      const next = await updateRateLimit(token, bucket.service, result.update);
      setEdits({});
      setSaved(true);
      onSaved(next);
    } catch (err) {
      if (err instanceof ApiError && err.isAuthError) {
        onAuthError(err);
        return;
      }
      const message = describe(err);
      setError({ field: err instanceof ApiError && err.status === 400 ? fieldOfMessage(message) : null, message });
    } finally {
      setSaving(false);
    }
  };

  const field = (
    name: BucketField,
    label: string,
    hint: string,
    props: { step: string; inputMode: 'numeric' | 'decimal' },
  ) => {
    const invalid = error?.field === name;
    const inputId = `${id}-${name}`;
    return (
      <div className="field">
        <label className="field__label" htmlFor={inputId}>
          {label}
        </label>
        <input
          id={inputId}
          className="input"
          type="number"
          min={0}
          step={props.step}
          inputMode={props.inputMode}
          name={name}
          value={draft[name]}
          aria-invalid={invalid || undefined}
          aria-describedby={`${inputId}-hint${invalid ? ` ${id}-error` : ''}`}
          onChange={(event) => edit(name, event.target.value)}
          data-testid={`bucket-${name}`}
        />
        <span className="field__hint" id={`${inputId}-hint`}>
          {hint}
        </span>
        {invalid && (
          <p className="field__error" id={`${id}-error`} role="alert" data-testid="bucket-error">
            {error.message}
          </p>
        )}
      </div>
    );
  };

  return (
    <li className="bucket" data-testid="bucket" data-service={bucket.service}>
      <form onSubmit={(event) => void submit(event)} noValidate aria-labelledby={`${id}-title`}>
        <div className="bucket__head">
          <h3 className="bucket__title" id={`${id}-title`}>
            {sourceLabel(bucket.service)}
          </h3>
          <code className="bucket__service">{bucket.service}</code>
          {paused && bucket.pausedUntil && (
            <StatusPill tone="warn">{`Paused until ${new Date(bucket.pausedUntil).toLocaleTimeString()}`}</StatusPill>
          )}
        </div>
        <div className="meter" title={`${round(bucket.tokens)} of ${bucket.maxTokens} tokens available`}>
          <span className="meter__fill" style={{ width: `${fill * 100}%` }} />
        </div>
        <p className="bucket__state" data-testid="bucket-state">
          {round(bucket.tokens)} of {bucket.maxTokens} tokens available · refills {round(bucket.refillRate)}{' '}
          {perInterval(bucket.refillIntervalMs)} · last refill {formatRelative(bucket.lastRefill, now)}
        </p>
        <div className="bucket__fields">
          {field('maxTokens', 'Max tokens', 'Bucket size: a whole number, 0 or more', {
            step: '1',
            inputMode: 'numeric',
          })}
          {field('refillRate', 'Refill rate', `Tokens added ${perInterval(bucket.refillIntervalMs)}, 0 or more`, {
            step: 'any',
            inputMode: 'decimal',
          })}
        </div>
        {error && error.field === null && (
          <p className="field__error" id={`${id}-error`} role="alert" data-testid="bucket-error">
            {error.message}
          </p>
        )}
        <div className="bucket__actions">
          <button type="submit" className="btn btn--primary" disabled={saving || !dirty} data-testid="bucket-save">
            {saving && <span className="spinner" aria-hidden="true" />}
            {saving ? 'Saving…' : 'Save'}
          </button>
          <button
            type="button"
            className="btn btn--ghost"
            disabled={saving || !dirty}
            onClick={() => {
              setEdits({});
              setError(null);
            }}
          >
            Undo changes
          </button>
          <span className="bucket__saved" role="status" data-testid="bucket-saved">
            {saved ? 'Saved' : ''}
          </span>
        </div>
      </form>
    </li>
  );
}

/** Props of {@link RateLimitsPanel}. */
export interface RateLimitsPanelProps {
  token: string;
  now: number;
  /** Changing it reloads the buckets (e.g. after a fetch run took tokens). */
  reloadKey: number;
  onAuthError: (error: ApiError) => void;
}

/** The upstream token buckets from `GET /api/admin/rate-limits`, each editable in place. */
export function RateLimitsPanel({ token, now, reloadKey, onAuthError }: RateLimitsPanelProps) {
  const [buckets, setBuckets] = useState<RateLimitBucket[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [manual, setManual] = useState(0);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    fetchRateLimits(token, controller.signal)
      .then((items) => {
        setBuckets(items);
        setError(null);
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        if (err instanceof ApiError && err.isAuthError) onAuthError(err);
        else setError(describe(err));
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [token, reloadKey, manual, onAuthError]);

  const onSaved = useCallback((bucket: RateLimitBucket) => {
    setBuckets((prev) => prev?.map((b) => (b.service === bucket.service ? bucket : b)) ?? [bucket]);
  }, []);

  return (
    <section
      className="panel panel--wide"
      aria-labelledby="buckets-title"
      aria-busy={loading}
      data-testid="buckets-panel"
    >
      <div className="panel__head">
        <h2 id="buckets-title" className="panel__title">
          Token buckets
        </h2>
        <button
          type="button"
          className="btn btn--ghost panel__action"
          onClick={() => setManual((n) => n + 1)}
          disabled={loading}
        >
          {loading ? 'Loading…' : 'Reload'}
        </button>
      </div>
      <p className="panel__text">
        Every call to an upstream takes a token; a service whose bucket is empty waits for the refill. Changes apply to
        the next call in every process.
      </p>
      {error && (
        <p className="notice notice--error" role="alert">
          Couldn’t load the buckets: {error}
        </p>
      )}
      {buckets === null && !error && <p className="panel__text">Loading buckets…</p>}
      {buckets?.length === 0 && (
        <p className="panel__text">No bucket yet: one is created the first time a service is called.</p>
      )}
      {buckets && buckets.length > 0 && (
        <ul className="buckets">
          {buckets.map((bucket) => (
            <BucketEditor
              key={bucket.service}
              bucket={bucket}
              token={token}
              now={now}
              onSaved={onSaved}
              onAuthError={onAuthError}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
