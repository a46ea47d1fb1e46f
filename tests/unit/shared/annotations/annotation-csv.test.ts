import { describe, expect, it } from 'vitest';
import type { Annotation } from '../../../../shared/api/domains/annotations.js';
import {
  AnnotationCsvError,
  formatAnnotationCsv,
  parseAnnotationCsv,
} from '../../../../shared/annotations/annotation-csv.js';

const mark = (overrides: Partial<Annotation>): Annotation => ({
  id: 1,
  instrument: 'binance:BTC/USDT',
  kind: 'range',
  from: Date.UTC(2026, 0, 5, 10),
  to: Date.UTC(2026, 0, 5, 11, 30),
  label: 'breakout',
  note: '',
  createdAt: 0,
  ...overrides,
});

const problemOf = (text: string): { line: number; message: string } => {
  try {
    parseAnnotationCsv(text);
  } catch (error) {
    if (error instanceof AnnotationCsvError) return { line: error.line, message: error.message };
    throw error;
  }
  throw new Error('the CSV was accepted');
};

describe('annotation CSV', () => {
  it('writes the documented columns with ISO 8601 UTC times', () => {
    expect(formatAnnotationCsv([mark({ note: 'high broke' })])).toBe(
      'instrument,kind,from,to,label,note\n' +
        'binance:BTC/USDT,range,2026-01-05T10:00:00.000Z,2026-01-05T11:30:00.000Z,breakout,high broke\n',
    );
  });

  it('reads back what it wrote, quotes, commas and line breaks in notes included', () => {
    const marks = [
      mark({ note: 'high broke, volume "3x"\nsecond line' }),
      mark({
        id: 2,
        kind: 'point',
        from: Date.UTC(2026, 0, 6, 9, 15),
        to: Date.UTC(2026, 0, 6, 9, 15),
        label: 'good entry',
      }),
      mark({ id: 3, instrument: 'demo:DEMO/USD', label: 'regime, calm', note: ' leading space' }),
    ];
    const read = parseAnnotationCsv(formatAnnotationCsv(marks));
    expect(read.map((m) => m.draft)).toEqual(
      marks.map(({ instrument, kind, from, to, label, note }) => ({
        instrument,
        kind,
        from,
        to,
        label,
        note,
      })),
    );
    // The second record starts on line 4: the first one's note spans lines 2 and 3.
    expect(read.map((m) => m.line)).toEqual([2, 4, 5]);
  });

  it('takes columns in any order, times without a zone as UTC or as ms, CRLF and a missing note', () => {
    const text =
      '\uFEFFlabel,to,from,kind,instrument\r\n' +
      'dip,2026-01-05 10:00,2026-01-05 10:00,point,demo:DEMO/USD\r\n' +
      '\r\n' +
      'trend,1767610800000,1767607200000,range,demo:DEMO/USD\r\n';
    expect(parseAnnotationCsv(text).map((m) => m.draft)).toEqual([
      {
        instrument: 'demo:DEMO/USD',
        kind: 'point',
        from: Date.UTC(2026, 0, 5, 10),
        to: Date.UTC(2026, 0, 5, 10),
        label: 'dip',
        note: '',
      },
      {
        instrument: 'demo:DEMO/USD',
        kind: 'range',
        from: 1_767_607_200_000,
        to: 1_767_610_800_000,
        label: 'trend',
        note: '',
      },
    ]);
  });

  it('names the line of a bad time, a range that ends before it starts, an empty label or a short record', () => {
    const header = 'instrument,kind,from,to,label,note\n';
    const good = 'demo:DEMO/USD,point,2026-01-05T10:00:00Z,2026-01-05T10:00:00Z,dip,\n';
    expect(problemOf(`${header}${good}demo:DEMO/USD,range,2026-13-05,2026-01-06,dip,\n`)).toEqual({
      line: 3,
      message:
        "line 3: from '2026-13-05' is not a time (ISO 8601 such as 2026-01-05T10:00:00Z, or ms since 1970)",
    });
    expect(problemOf(`${header}${good}${good}demo:DEMO/USD,range,2026-01-06,2026-01-05,dip,\n`)).toEqual({
      line: 4,
      message: 'line 4: to: a range mark ends after it starts',
    });
    expect(problemOf(`${header}demo:DEMO/USD,point,2026-01-05,2026-01-05,  ,\n`).message).toBe(
      'line 2: label: a label is required',
    );
    expect(problemOf(`${header}demo:DEMO/USD,point,2026-01-05\n`).message).toBe(
      'line 2: 3 fields where the header has 6',
    );
    expect(problemOf(`${header}demo:DEMO/USD,line,2026-01-05,2026-01-05,dip,\n`).line).toBe(2);
  });

  it('refuses a file without the columns it needs, or with a quote left open', () => {
    expect(problemOf('').message).toBe(
      'the file is empty: expected a header instrument,kind,from,to,label,note',
    );
    expect(problemOf('instrument,kind,from,label\n').message).toBe(
      'line 1: the header lacks to (columns: instrument, kind, from, to, label, note)',
    );
    expect(problemOf('instrument,kind,from,to,label,price\n').message).toBe(
      "line 1: unknown column 'price' (columns: instrument, kind, from, to, label, note)",
    );
    expect(
      problemOf('instrument,kind,from,to,label,note\ndemo:DEMO/USD,point,2026-01-05,2026-01-05,dip,"open\n')
        .message,
    ).toBe('line 2: a quoted field is not closed');
  });
});
