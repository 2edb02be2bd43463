/**
 * Colours and text styles of the charts. SVG presentation attributes do not resolve CSS variables, so the design
 * tokens of styles.css are repeated here as values.
 */
export const CHART_COLORS = ['#ff5c8a', '#8b5cf6', '#34d399', '#fbbf24', '#7cc4ff'] as const;
export const GRID_STROKE = 'rgba(255, 255, 255, 0.08)';
export const AXIS_STROKE = 'rgba(255, 255, 255, 0.14)';
export const TICK = { fill: '#a3abbd', fontSize: 12 } as const;
export const TOOLTIP_STYLE = {
  background: '#1d2230',
  border: '1px solid rgba(255, 255, 255, 0.14)',
  borderRadius: 10,
  color: '#eef0f5',
  fontSize: 13,
} as const;
export const TOOLTIP_LABEL_STYLE = { color: '#eef0f5', fontWeight: 650, marginBottom: 4 } as const;
export const TOOLTIP_CURSOR = { stroke: 'rgba(255, 255, 255, 0.2)' } as const;
export const BAR_CURSOR = { fill: 'rgba(255, 255, 255, 0.05)' } as const;

export function colorAt(index: number): string {
  return CHART_COLORS[index % CHART_COLORS.length] ?? CHART_COLORS[0];
}
