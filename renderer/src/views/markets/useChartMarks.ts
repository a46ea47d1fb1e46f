import { useEffect, useMemo, type RefObject } from 'react';
import type { Annotation } from '../../../../shared/api/domains/annotations.js';
import { markLayers, type MarkLayers, type PendingMark } from '../../charts/annotationShapes.js';
import type { Layout } from '../../charts/plotly.js';
import { useAnnotations, useAnnotationsStore } from '../../stores/context.js';

const NO_MARKS: readonly Annotation[] = [];

/** Where a chart's x axis has data: marks outside it are not drawn (null: nothing plotted yet). */
export function plottedSpan(
  first: number | undefined,
  last: number | undefined,
): { from: number; to: number } | null {
  return first === undefined || last === undefined ? null : { from: first, to: last };
}

/** The instrument's marks and the form's draft as layout pieces for the price chart. */
export function useChartMarks(
  instrument: string,
  from: number | undefined,
  to: number | undefined,
): MarkLayers {
  const marks = useAnnotations((state) => state.byInstrument[instrument] ?? NO_MARKS);
  const draft = useAnnotations((state) => state.draft);
  return useMemo(() => {
    const pending: PendingMark | null =
      draft.from === null || draft.to === null ? null : { ...draft, from: draft.from, to: draft.to };
    return markLayers(marks, pending, plottedSpan(from, to));
  }, [marks, draft, from, to]);
}

/** The instrument's marks over [from, to] for a chart elsewhere (backtest report, signals), loaded on demand. */
export function useInstrumentMarks(
  instrument: string | null,
  from: number | undefined,
  to: number | undefined,
): MarkLayers {
  const load = useAnnotations((state) => state.load);
  const marks = useAnnotations((state) =>
    instrument === null ? NO_MARKS : (state.byInstrument[instrument] ?? NO_MARKS),
  );
  useEffect(() => {
    if (instrument !== null) void load(instrument);
  }, [instrument, load]);
  return useMemo(() => markLayers(marks, null, plottedSpan(from, to)), [marks, from, to]);
}

/** A layout with the marks added to what the chart itself draws (its own shapes first). */
export function withMarks(layout: Partial<Layout>, marks: MarkLayers): Partial<Layout> {
  return {
    ...layout,
    shapes: [...(layout.shapes ?? []), ...marks.shapes],
    annotations: [...(layout.annotations ?? []), ...marks.annotations],
  };
}

/** The plotly graph div's event emitter (present once the chart is drawn). */
interface PlotlyEvents {
  on(event: 'plotly_relayout', handler: (event: Record<string, unknown>) => void): void;
}
const following = new WeakSet<HTMLElement>();

/** ms UTC of an x value plotly reports on a date axis ('2026-01-05 10:00:00.000' in UTC, or ms). */
export function plotlyTime(x: unknown): number | null {
  if (typeof x === 'number') return Number.isFinite(x) ? x : null;
  if (typeof x !== 'string') return null;
  const ts = Date.parse(`${x.trim().replace(' ', 'T')}${/[zZ]|[+-]\d\d:?\d\d$/.test(x) ? '' : 'Z'}`);
  return Number.isFinite(ts) ? Math.round(ts) : null;
}

/**
 * The price chart's zoom and pan are kept as the chart view the form can take its times from
 * ("Chart view"). Call after the chart's draw effect: plotly gives the element its event
 * emitter on the first draw.
 */
export function useChartViewTracking(element: RefObject<HTMLDivElement | null>): void {
  const store = useAnnotationsStore();
  useEffect(() => {
    const target = element.current;
    if (target === null || following.has(target) || !('on' in target)) return;
    following.add(target);
    const events = target as HTMLDivElement & PlotlyEvents;
    events.on('plotly_relayout', (event) => {
      const range = event['xaxis.range'];
      const from = plotlyTime(Array.isArray(range) ? range[0] : event['xaxis.range[0]']);
      const to = plotlyTime(Array.isArray(range) ? range[1] : event['xaxis.range[1]']);
      if (from !== null && to !== null && to > from) store.getState().setChartView(from, to);
    });
  });
}
