import { useEffect } from 'react';
import type { InstrumentCoverage } from '../../../../shared/api/domains/history.js';
import { baseLayout, drawChart, palette, type Data } from '../../charts/plotly.js';
import { useChartElement } from '../../charts/useChart.js';

const KINDS = ['trades', 'book', 'candles'] as const;

/**
 * One row per data kind: recorded spans as solid bars, gaps (ledger and detected) as red bars
 * over them, on a shared time axis. Bars, not points: a span of a day and a gap of a minute
 * must both be visible at any zoom.
 */
export function CoverageTimeline({ coverage }: { coverage: InstrumentCoverage }) {
  const element = useChartElement();
  useEffect(() => {
    const target = element.current;
    if (target === null) return;
    const spans: Data = {
      type: 'bar',
      orientation: 'h',
      name: 'recorded',
      y: [],
      x: [],
      base: [],
      marker: { color: palette.bid },
      hovertemplate: '%{y}: %{base|%Y-%m-%d %H:%M} .. %{x|%Y-%m-%d %H:%M}<extra></extra>',
    };
    // Gaps thinner and translucent, under the spans' markers: a years-long hole must not hide a
    // minute of data recorded inside the same view.
    const gaps: Data = {
      ...spans,
      name: 'gaps',
      y: [],
      x: [],
      base: [],
      width: 0.35,
      marker: { color: palette.askFill, line: { color: palette.ask, width: 1 } },
    };
    // A marker at each span's start keeps spans too short for a bar at this zoom visible.
    const starts: Data = {
      type: 'scatter',
      mode: 'markers',
      name: 'span starts',
      x: [],
      y: [],
      marker: { color: palette.bid, symbol: 'line-ns', size: 14, line: { color: palette.bid, width: 2 } },
      hoverinfo: 'skip',
    };
    const push = (trace: Data, kind: string, from: number, to: number): void => {
      const bar = trace as { y: string[]; x: number[]; base: string[] };
      bar.y.push(kind);
      // A horizontal bar on a date axis: base is the start, x the length in ms.
      bar.base.push(new Date(from).toISOString());
      bar.x.push(Math.max(to - from, 1000));
    };
    const marks = starts as { x: string[]; y: string[] };
    for (const kind of KINDS) {
      for (const span of coverage.ranges[kind]) {
        push(spans, kind, span.from, span.to);
        marks.x.push(new Date(span.from).toISOString());
        marks.y.push(kind);
      }
    }
    for (const gap of coverage.gaps) push(gaps, gap.kind, gap.from, gap.to);
    drawChart(target, [gaps, spans, starts], {
      ...baseLayout(),
      barmode: 'overlay',
      hovermode: 'closest',
      margin: { l: 60, r: 12, t: 4, b: 24 },
      xaxis: { type: 'date', gridcolor: palette.grid, linecolor: palette.axis },
      yaxis: { categoryarray: [...KINDS].reverse(), categoryorder: 'array', gridcolor: palette.grid },
    });
  }, [element, coverage]);
  return <div className="data-timeline" ref={element} data-testid="coverage-timeline" />;
}
