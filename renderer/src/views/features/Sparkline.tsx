import { memo } from 'react';
import './features.css';
import { sparklinePoints } from './featureFormat.js';

export { featureValue, shortColumn } from './featureFormat.js';

/** A tiny line of a feature's recent values; SVG, so a dozen of them redraw cheaply 4 times a second. */
export const Sparkline = memo(function Sparkline({
  values,
  width = 72,
  height = 16,
}: {
  values: readonly (number | null)[];
  width?: number;
  height?: number;
}) {
  return (
    <svg
      className="sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      aria-hidden="true"
    >
      <polyline points={sparklinePoints(values, width, height)} fill="none" strokeWidth="1" />
    </svg>
  );
});
