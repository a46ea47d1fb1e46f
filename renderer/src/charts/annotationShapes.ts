import type { Annotation } from '../../../shared/api/domains/annotations.js';
import { palette, type Layout } from './plotly.js';

type Shape = NonNullable<Layout['shapes']>[number];
type Note = NonNullable<Layout['annotations']>[number];

/** A mark not stored yet (the form's draft), drawn dashed. */
export interface PendingMark {
  readonly kind: Annotation['kind'];
  readonly from: number;
  readonly to: number;
  readonly label: string;
}

const RANGE_FILL = 'rgba(76, 154, 255, 0.12)';
const PENDING = '#f5a524';

/**
 * A trader's marks as plotly layout pieces on a time x axis: a range is a shaded band over the
 * whole plot height, a point a vertical line, each with its label at the top. The same pieces
 * are drawn on the price chart, the backtest report and the signals chart, so a mark looks the
 * same wherever the trader meets it again.
 */
export interface MarkLayers {
  readonly shapes: Shape[];
  readonly annotations: Note[];
}

/**
 * Only marks that touch `within` are drawn: plotly stretches its autorange over every shape, so
 * a mark far from the plotted bars would squeeze them into a sliver.
 */
export function markLayers(
  marks: readonly Annotation[],
  pending: PendingMark | null,
  within: { readonly from: number; readonly to: number } | null,
): MarkLayers {
  const shapes: Shape[] = [];
  const annotations: Note[] = [];
  const add = (mark: PendingMark, colour: string, dash: 'solid' | 'dash'): void => {
    shapes.push(
      mark.kind === 'range'
        ? {
            type: 'rect',
            xref: 'x',
            yref: 'paper',
            x0: mark.from,
            x1: mark.to,
            y0: 0,
            y1: 1,
            fillcolor: RANGE_FILL,
            line: { color: colour, width: 1, dash },
            layer: 'below',
          }
        : {
            type: 'line',
            xref: 'x',
            yref: 'paper',
            x0: mark.from,
            x1: mark.from,
            y0: 0,
            y1: 1,
            line: { color: colour, width: 1, dash },
          },
    );
    annotations.push({
      xref: 'x',
      yref: 'paper',
      x: mark.from,
      y: 1,
      xanchor: 'left',
      yanchor: 'top',
      text: mark.label === '' ? 'new mark' : mark.label,
      showarrow: false,
      font: { size: 10, color: colour },
      bgcolor: 'rgba(18, 22, 28, 0.7)',
    });
  };
  const shown = (mark: PendingMark): boolean =>
    within !== null && mark.to >= within.from && mark.from <= within.to;
  for (const mark of marks) if (shown(mark)) add(mark, palette.accent, 'solid');
  if (pending !== null && shown(pending)) add(pending, PENDING, 'dash');
  return { shapes, annotations };
}
