import Plotly from 'plotly.js/dist/plotly-finance.min.js';
import type { Config, Data, Layout, PlotlyHTMLElement } from 'plotly.js';

export type { Config, Data, Layout };

/** Colours shared by the stylesheet and the charts (keep in step with styles.css). */
export const palette = {
  background: '#0d1014',
  panel: '#12161c',
  grid: '#1c232c',
  axis: '#2a323d',
  text: '#8c97a6',
  textBright: '#d5dbe3',
  bid: '#1fb57a',
  bidFill: 'rgba(31, 181, 122, 0.22)',
  ask: '#e5484d',
  askFill: 'rgba(229, 72, 77, 0.22)',
  accent: '#4c9aff',
} as const;

/** A dark, dense base layout; each chart adds its axes and traces. */
export function baseLayout(): Partial<Layout> {
  return {
    autosize: true,
    paper_bgcolor: palette.panel,
    plot_bgcolor: palette.panel,
    font: { family: 'Inter, "Segoe UI", system-ui, sans-serif', size: 10, color: palette.text },
    margin: { l: 8, r: 56, t: 6, b: 24 },
    showlegend: false,
    hovermode: 'x',
    hoverlabel: {
      bgcolor: '#1b2129',
      bordercolor: palette.axis,
      font: { color: palette.textBright, size: 11 },
    },
    dragmode: 'pan',
  };
}

export const chartConfig: Partial<Config> = {
  displaylogo: false,
  displayModeBar: false,
  scrollZoom: true,
  responsive: false, // a ResizeObserver follows the grid cell instead of the window
  doubleClick: 'reset+autosize',
};

/** Draws or updates a chart in place; Plotly.react diffs against what is already drawn. */
export function drawChart(element: HTMLElement, data: Data[], layout: Partial<Layout>): void {
  void Plotly.react(element, data, layout, chartConfig);
}

/** Frees the chart's listeners and WebGL/SVG when its element leaves the page. */
export function removeChart(element: HTMLElement): void {
  Plotly.purge(element);
}

/** Fits a chart to its element after the grid cell around it changed size. */
export function fitChart(element: HTMLElement): void {
  // @types/plotly.js says void, but plotly returns a promise that rejects for a hidden or
  // purged element; a later resize fits it, so the rejection is expected and dropped.
  const plots: { resize(root: HTMLElement): unknown } = Plotly.Plots;
  const resized = plots.resize(element);
  if (resized instanceof Promise) resized.catch(() => undefined);
}

/** What a chart reports back as the trader moves over it. */
export interface ChartListeners {
  /** The time axis now shows [from, to] (ms UTC), or its whole data again (null). */
  readonly onTimeRange: (range: readonly [number, number] | null) => void;
  /** The cursor is over point `index` of trace `trace`; null when it leaves the plot. */
  readonly onHover: (point: { readonly trace: number; readonly index: number } | null) => void;
}

/**
 * Listens to a drawn chart's pans, zooms and hovers. Call after the first drawChart: plotly
 * attaches its event emitter to the element while drawing it.
 */
export function listenToChart(element: HTMLElement, listeners: ChartListeners): boolean {
  const chart = element as Partial<PlotlyHTMLElement> & { layout?: Partial<Layout> };
  if (typeof chart.on !== 'function') return false;
  chart.on('plotly_relayout', () => {
    const axis = chart.layout?.xaxis;
    if (axis === undefined || axis.autorange === true) {
      listeners.onTimeRange(null);
      return;
    }
    const from = dateValue(axis.range?.[0]);
    const to = dateValue(axis.range?.[1]);
    listeners.onTimeRange(from === null || to === null ? null : [from, to]);
  });
  chart.on('plotly_hover', (event) => {
    const point = event.points[0];
    if (point !== undefined) listeners.onHover({ trace: point.curveNumber, index: point.pointIndex });
  });
  chart.on('plotly_unhover', () => {
    listeners.onHover(null);
  });
  return true;
}

/** Moves a drawn chart's time axis to [from, to] (ms UTC), as a pan by the trader would. */
export function showTimeRange(element: HTMLElement, from: number, to: number): void {
  void Plotly.relayout(element, { 'xaxis.range': [from, to] } as Partial<Layout>);
}

/** A date axis holds its range as ms or as a UTC "YYYY-MM-DD HH:MM:SS.sss" string. */
function dateValue(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  // Plotly may write microseconds; Date.parse reads milliseconds.
  const iso = value
    .trim()
    .replace(' ', 'T')
    .replace(/(\.\d{3})\d+$/, '$1');
  const ts = Date.parse(`${iso}${iso.includes(':') ? '' : 'T00:00'}Z`);
  return Number.isFinite(ts) ? ts : null;
}
