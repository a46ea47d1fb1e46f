import Plotly from 'plotly.js/dist/plotly-finance.min.js';
import type { Config, Data, Layout } from 'plotly.js';

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
