import { useId, type ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useTrendingStats } from '../../hooks/useTrending.ts';
import {
  artistNames,
  formatChange,
  perSourceRows,
  STATS_WINDOWS,
  trendingSourceLabel,
  windowLabel,
} from '../../lib/trending.ts';
import { formatRelative } from '../../lib/time.ts';
import type { AlbumSummary, TrendingStats } from '../../lib/types.ts';
import { AlbumCover } from './AlbumCover.tsx';
import { AXIS_STROKE, BAR_CURSOR, colorAt, GRID_STROKE, TICK, TOOLTIP_LABEL_STYLE, TOOLTIP_STYLE } from './charts.ts';

/** Props of {@link StatsCharts}. */
export interface StatsChartsProps {
  days: number;
  onDaysChange: (days: number) => void;
  onOpenAlbum: (album: AlbumSummary) => void;
  now: number;
}

const dateFormat = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric' });

function shortName(name: string, max = 24): string {
  return name.length > max ? `${name.slice(0, max - 1)}…` : name;
}

function AlbumLine({
  album,
  detail,
  onOpen,
}: {
  album: AlbumSummary;
  detail: string;
  onOpen: (album: AlbumSummary) => void;
}) {
  return (
    <li className="stat-item" data-album-id={album.id}>
      <AlbumCover id={album.id} imageUrl={album.imageUrl} className="stat-item__cover" size={48} />
      <div className="stat-item__body">
        <button type="button" className="stat-item__name" onClick={() => onOpen(album)} aria-haspopup="dialog">
          {album.name}
        </button>
        <span className="stat-item__artists">{artistNames(album.artists)}</span>
      </div>
      <span className="stat-item__detail">{detail}</span>
    </li>
  );
}

function StatList({
  title,
  testId,
  empty,
  children,
}: {
  title: string;
  testId: string;
  empty: string;
  children: ReactNode[];
}) {
  const id = useId();
  return (
    <section className="stat-list" aria-labelledby={id} data-testid={testId}>
      <h3 id={id} className="stat-list__title">
        {title}
      </h3>
      {children.length === 0 ? (
        <p className="stat-list__empty">{empty}</p>
      ) : (
        <ol className="stat-list__items">{children}</ol>
      )}
    </section>
  );
}

function PerSourceChart({ stats }: { stats: TrendingStats }) {
  const rows = perSourceRows(stats);
  if (rows.length === 0) return <p className="stat-list__empty">No refresh in this window.</p>;
  return (
    <div
      className="chart"
      data-testid="stats-per-source-chart"
      role="img"
      aria-label={`Per source: ${rows.map((r) => `${r.label}, ${r.albums} albums in ${r.appearances} appearances over ${r.refreshes} refreshes`).join('; ')}`}
    >
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={rows} margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
          <CartesianGrid stroke={GRID_STROKE} vertical={false} />
          <XAxis dataKey="label" tick={TICK} stroke={AXIS_STROKE} interval={0} />
          <YAxis allowDecimals={false} tick={TICK} stroke={AXIS_STROKE} width={40} />
          <Tooltip contentStyle={TOOLTIP_STYLE} labelStyle={TOOLTIP_LABEL_STYLE} cursor={BAR_CURSOR} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="albums" name="Albums" fill={colorAt(0)} radius={[4, 4, 0, 0]} isAnimationActive={false} />
          <Bar
            dataKey="appearances"
            name="Appearances"
            fill={colorAt(1)}
            radius={[4, 4, 0, 0]}
            isAnimationActive={false}
          />
          <Bar dataKey="refreshes" name="Refreshes" fill={colorAt(2)} radius={[4, 4, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

function PersistentChart({ stats, onOpenAlbum }: { stats: TrendingStats; onOpenAlbum: (album: AlbumSummary) => void }) {
  const rows = stats.mostPersistent.slice(0, 10).map((row) => ({
    id: row.album.id,
    name: shortName(row.album.name),
    appearances: row.appearances,
    album: row.album,
  }));
  if (rows.length === 0) return <p className="stat-list__empty">No album appeared in this window.</p>;
  return (
    <div
      className="chart"
      data-testid="stats-persistent-chart"
      role="img"
      aria-label={`Most persistent albums: ${stats.mostPersistent
        .slice(0, 10)
        .map((r) => `${r.album.name}, ${r.appearances} of ${r.refreshesInWindow} refreshes`)
        .join('; ')}`}
    >
      <ResponsiveContainer width="100%" height={Math.max(160, rows.length * 30 + 40)}>
        <BarChart data={rows} layout="vertical" margin={{ top: 4, right: 16, bottom: 4, left: 4 }}>
          <CartesianGrid stroke={GRID_STROKE} horizontal={false} />
          <XAxis type="number" allowDecimals={false} tick={TICK} stroke={AXIS_STROKE} />
          <YAxis type="category" dataKey="name" tick={TICK} stroke={AXIS_STROKE} width={170} interval={0} />
          <Tooltip contentStyle={TOOLTIP_STYLE} labelStyle={TOOLTIP_LABEL_STYLE} cursor={BAR_CURSOR} />
          <Bar
            dataKey="appearances"
            name="Appearances"
            fill={colorAt(0)}
            radius={[0, 4, 4, 0]}
            isAnimationActive={false}
            cursor="pointer"
            onClick={(entry: { payload?: { album?: AlbumSummary } }) => {
              if (entry.payload?.album) onOpenAlbum(entry.payload.album);
            }}
          />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

function StatsBody({
  stats,
  now,
  onOpenAlbum,
}: {
  stats: TrendingStats;
  now: number;
  onOpenAlbum: (album: AlbumSummary) => void;
}) {
  const from = Date.parse(stats.window.from);
  const to = Date.parse(stats.window.to);
  return (
    <>
      <p className="stats__window" data-testid="stats-window-summary">
        {stats.refreshes} {stats.refreshes === 1 ? 'refresh' : 'refreshes'}
        {Number.isFinite(from) && Number.isFinite(to) && (
          <>
            {' '}
            from <time dateTime={stats.window.from}>{dateFormat.format(from)}</time> to{' '}
            <time dateTime={stats.window.to}>{dateFormat.format(to)}</time>
          </>
        )}
      </p>
      {stats.rankingRule && (
        <div className="stats__rule" data-testid="ranking-rule">
          <h3 className="stat-list__title">How albums and artists are ranked</h3>
          <p>{stats.rankingRule}</p>
        </div>
      )}
      <div className="stats__charts">
        <section className="stat-chart" aria-labelledby="stats-per-source-title">
          <h3 id="stats-per-source-title" className="stat-list__title">
            Per source
          </h3>
          <PerSourceChart stats={stats} />
        </section>
        <section className="stat-chart" aria-labelledby="stats-persistent-title">
          <h3 id="stats-persistent-title" className="stat-list__title">
            Most persistent albums
          </h3>
          <PersistentChart stats={stats} onOpenAlbum={onOpenAlbum} />
        </section>
      </div>
      <div className="stats__lists">
        <StatList title="New entries" testId="stats-new-entries" empty="No new album in this window.">
          {stats.newEntries.map((entry) => (
            <AlbumLine
              key={entry.album.id}
              album={entry.album}
              onOpen={onOpenAlbum}
              detail={`${entry.position === null ? 'unranked' : `#${entry.position}`} · ${formatRelative(entry.firstSeenAt, now)}`}
            />
          ))}
        </StatList>
        <StatList title="Climbers" testId="stats-climbers" empty="No album climbed in this window.">
          {stats.climbers.map((m) => (
            <AlbumLine
              key={`${m.album.id}-${m.source}`}
              album={m.album}
              onOpen={onOpenAlbum}
              detail={`#${m.from} → #${m.to} (${formatChange(m.change)})`}
            />
          ))}
        </StatList>
        <StatList title="Fallers" testId="stats-fallers" empty="No album fell in this window.">
          {stats.fallers.map((m) => (
            <AlbumLine
              key={`${m.album.id}-${m.source}`}
              album={m.album}
              onOpen={onOpenAlbum}
              detail={`#${m.from} → #${m.to} (${formatChange(m.change)})`}
            />
          ))}
        </StatList>
      </div>
      {stats.perSource.length > 1 && (
        <p className="history__sources">
          Sources: {stats.perSource.map((s) => trendingSourceLabel(s.source)).join(', ')}
        </p>
      )}
    </>
  );
}

/**
 * Trending analytics over a chosen window (`GET /api/stats/trending?days=`): counts per source, the most persistent
 * albums, new entries, climbers and fallers, and the ranking rule as the server states it. The previous window stays
 * on screen while the next one loads.
 */
export function StatsCharts({ days, onDaysChange, onOpenAlbum, now }: StatsChartsProps) {
  const selectId = useId();
  const { data, error, loading, retry } = useTrendingStats(days, true);
  const options: number[] = STATS_WINDOWS.includes(days as (typeof STATS_WINDOWS)[number])
    ? [...STATS_WINDOWS]
    : [...STATS_WINDOWS, days].sort((a, b) => a - b);
  return (
    <section className="stats" aria-labelledby="stats-title" aria-busy={loading} data-testid="stats-view">
      <div className="section-head">
        <h2 id="stats-title" className="section-head__title">
          Trending stats
        </h2>
        <div className="field field--inline">
          <label className="field__label" htmlFor={selectId}>
            Window
          </label>
          <select
            id={selectId}
            className="input select"
            value={days}
            onChange={(event) => onDaysChange(Number(event.target.value))}
            data-testid="stats-window"
          >
            {options.map((d) => (
              <option key={d} value={d}>
                {windowLabel(d)}
              </option>
            ))}
          </select>
        </div>
        {loading && data && (
          <span className="refreshing">
            <span className="spinner" aria-hidden="true" />
            Updating…
          </span>
        )}
      </div>
      {error && (
        <div className="notice notice--error" role="alert" data-testid="stats-error">
          Couldn’t load the stats: {error}{' '}
          <button type="button" className="btn btn--ghost" onClick={retry} disabled={loading}>
            {loading ? 'Retrying…' : 'Try again'}
          </button>
        </div>
      )}
      {!data && !error && (
        <div className="stats__charts" aria-hidden="true">
          <span className="skeleton stats__skeleton" />
          <span className="skeleton stats__skeleton" />
        </div>
      )}
      {data && <StatsBody stats={data} now={now} onOpenAlbum={onOpenAlbum} />}
    </section>
  );
}
