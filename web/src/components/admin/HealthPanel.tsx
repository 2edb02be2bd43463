import { useCallback, useEffect, useState } from 'react';
import { fetchHealth } from '../../lib/adminApi.ts';
import { ApiError } from '../../lib/api.ts';
import { sourceLabel } from '../../lib/releases.ts';
import { formatRelative } from '../../lib/time.ts';
import type { HealthCheck, HealthReport } from '../../lib/types.ts';
import { StatusPill, type PillTone } from './StatusPill.tsx';

/** Checks of the service itself; every other check is an upstream source. */
const SERVICE_CHECKS: Record<string, string> = { database: 'Database', redis: 'Redis' };

const TONES: Record<HealthCheck['status'], PillTone> = { ok: 'ok', degraded: 'warn', down: 'bad', disabled: 'muted' };
const LABELS: Record<HealthCheck['status'], string> = {
  ok: 'OK',
  degraded: 'Degraded',
  down: 'Down',
  disabled: 'Disabled',
};

function text(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() || null;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

function absolute(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? new Date(ms).toLocaleString() : iso;
}

/** The detail lines of one check, in words. */
export function checkDetails(check: HealthCheck, now: number): string[] {
  const lines: string[] = [];
  const shown = new Set(['status']);
  const take = (key: string): string | null => {
    shown.add(key);
    return text(check[key]);
  };
  const lastSuccess = take('lastSuccessAt');
  if (lastSuccess) lines.push(`Last successful fetch ${formatRelative(lastSuccess, now)}`);
  else if ('lastSuccessAt' in check) lines.push('No successful fetch yet');
  const lastError = take('lastError');
  if (lastError) lines.push(`Last error: ${lastError}`);
  const latency = take('latencyMs');
  if (latency) lines.push(`Answered in ${latency} ms`);
  const mode = take('mode');
  if (mode) lines.push(`${mode.charAt(0).toUpperCase()}${mode.slice(1)} mode`);
  const error = take('error');
  if (error) lines.push(`Error: ${error}`);
  take('state');
  for (const [key, value] of Object.entries(check)) {
    const v = shown.has(key) ? null : text(value);
    if (v) lines.push(`${key}: ${v}`);
  }
  return lines;
}

function CheckItem({ name, label, check, now }: { name: string; label: string; check: HealthCheck; now: number }) {
  const lastSuccess = text(check.lastSuccessAt);
  return (
    <li className="check" data-testid="health-check" data-check={name} data-status={check.status}>
      <div className="check__head">
        <span className="check__name">{label}</span>
        <StatusPill tone={TONES[check.status]}>{LABELS[check.status]}</StatusPill>
      </div>
      <ul
        className="check__details"
        title={lastSuccess ? `Last successful fetch: ${absolute(lastSuccess)}` : undefined}
      >
        {checkDetails(check, now).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
    </li>
  );
}

/** Props of {@link HealthPanel}. */
export interface HealthPanelProps {
  now: number;
  /** Changing it reloads the report (e.g. after a fetch run). */
  reloadKey: number;
}

/** Sources and their health, from `GET /api/health`. */
export function HealthPanel({ now, reloadKey }: HealthPanelProps) {
  const [report, setReport] = useState<HealthReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [manual, setManual] = useState(0);

  const reload = useCallback(() => setManual((n) => n + 1), []);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    fetchHealth(controller.signal)
      .then((next) => {
        setReport(next);
        setError(null);
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        setError(err instanceof ApiError ? err.message : 'The health report could not be read.');
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [reloadKey, manual]);

  const entries = report ? Object.entries(report.checks) : [];
  const sources = entries.filter(([name]) => !(name in SERVICE_CHECKS));
  const services = entries.filter(([name]) => name in SERVICE_CHECKS);

  return (
    <section className="panel" aria-labelledby="health-title" aria-busy={loading} data-testid="health-panel">
      <div className="panel__head">
        <h2 id="health-title" className="panel__title">
          Sources and health
        </h2>
        {report && (
          <StatusPill tone={TONES[report.status]} testId="health-status">
            {`Service ${LABELS[report.status].toLowerCase()}`}
          </StatusPill>
        )}
        <button type="button" className="btn btn--ghost panel__action" onClick={reload} disabled={loading}>
          {loading ? 'Checking…' : 'Check again'}
        </button>
      </div>
      {error && (
        <p className="notice notice--error" role="alert">
          Couldn’t read the health report: {error}
        </p>
      )}
      {!report && !error && <p className="panel__text">Checking…</p>}
      {report && (
        <div className="checks">
          <div>
            <h3 className="checks__title">Sources</h3>
            {sources.length === 0 ? (
              <p className="panel__text">No upstream source is configured.</p>
            ) : (
              <ul className="checks__list">
                {sources.map(([name, check]) => (
                  <CheckItem key={name} name={name} label={sourceLabel(name)} check={check} now={now} />
                ))}
              </ul>
            )}
          </div>
          <div>
            <h3 className="checks__title">Services</h3>
            <ul className="checks__list">
              {services.map(([name, check]) => (
                <CheckItem key={name} name={name} label={SERVICE_CHECKS[name] ?? name} check={check} now={now} />
              ))}
            </ul>
          </div>
        </div>
      )}
    </section>
  );
}
