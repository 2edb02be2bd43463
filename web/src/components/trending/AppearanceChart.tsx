import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { chartSeries, trendingSourceLabel, type ChartRow } from '../../lib/trending.ts';
import type { AppearanceHistory } from '../../lib/types.ts';
import {
  AXIS_STROKE,
  colorAt,
  GRID_STROKE,
  TICK,
  TOOLTIP_CURSOR,
  TOOLTIP_LABEL_STYLE,
  TOOLTIP_STYLE,
} from './charts.ts';

const DAY_MS = 86_400_000;
const dayFormat = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric' });
const timeFormat = new Intl.DateTimeFormat('en', {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/**
 * An album's chart position over time: one line per source, #1 at the top (the y axis is reversed), refresh times
 * along the x axis. Gaps are refreshes where the album was seen without a position.
 */
export function AppearanceChart({ history, label }: { history: AppearanceHistory['history']; label: string }) {
  const { sources, rows, maxPosition } = chartSeries(history);
  if (rows.length === 0) return null;
  const span = (rows[rows.length - 1]?.t ?? 0) - (rows[0]?.t ?? 0);
  const tickFormat = (t: number) => (span < 2 * DAY_MS ? timeFormat : dayFormat).format(t);
  return (
    <div className="chart" data-testid="appearance-chart" data-points={rows.length} role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height={240}>
        <LineChart data={rows} margin={{ top: 12, right: 18, bottom: 4, left: 4 }}>
          <CartesianGrid stroke={GRID_STROKE} vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={rows.length === 1 ? ['dataMin - 3600000', 'dataMax + 3600000'] : ['dataMin', 'dataMax']}
            tickFormatter={tickFormat}
            tick={TICK}
            stroke={AXIS_STROKE}
            minTickGap={24}
          />
          <YAxis
            reversed
            domain={[1, Math.max(2, maxPosition)]}
            allowDecimals={false}
            tickFormatter={(v: number) => `#${v}`}
            tick={TICK}
            stroke={AXIS_STROKE}
            width={48}
          />
          <Tooltip
            contentStyle={TOOLTIP_STYLE}
            labelStyle={TOOLTIP_LABEL_STYLE}
            cursor={TOOLTIP_CURSOR}
            labelFormatter={(t) => (typeof t === 'number' ? timeFormat.format(t) : '')}
            formatter={(value) => (typeof value === 'number' ? `#${value}` : 'unranked')}
          />
          {sources.length > 1 && <Legend wrapperStyle={{ fontSize: 12 }} />}
          {sources.map((source, i) => (
            <Line
              key={source}
              type="linear"
              name={trendingSourceLabel(source)}
              dataKey={(row: ChartRow) => row.positions[source] ?? null}
              stroke={colorAt(i)}
              strokeWidth={2.2}
              dot={{ r: 3, strokeWidth: 0, fill: colorAt(i) }}
              activeDot={{ r: 5 }}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
