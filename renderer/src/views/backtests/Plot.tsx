import { useEffect } from 'react';
import { drawChart, type Data, type Layout } from '../../charts/plotly.js';
import { useChartElement } from '../../charts/useChart.js';

/** One plotly chart in a fixed-height box, redrawn in place when its traces change. */
export function Plot({
  data,
  layout,
  testId,
  height = 220,
}: {
  data: Data[];
  layout: Partial<Layout>;
  testId: string;
  height?: number;
}) {
  const element = useChartElement();
  useEffect(() => {
    const target = element.current;
    if (target === null) return;
    drawChart(target, data, layout);
  }, [element, data, layout]);
  return <div className="backtest-plot" ref={element} data-testid={testId} style={{ height }} />;
}
