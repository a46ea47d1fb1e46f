import { useEffect, useRef, type RefObject } from 'react';
import { fitChart, removeChart } from './plotly.js';

/**
 * The element a plotly chart lives in: fitted to its grid cell as that cell resizes, and purged
 * when the component unmounts, so the chart is created once and only ever updated in between.
 */
export function useChartElement(): RefObject<HTMLDivElement | null> {
  const element = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const current = element.current;
    if (current === null) return undefined;
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (current.querySelector('.main-svg') !== null) fitChart(current);
      });
    });
    observer.observe(current);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
      removeChart(current);
    };
  }, []);
  return element;
}
