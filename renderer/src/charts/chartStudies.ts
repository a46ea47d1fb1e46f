import type { ChartOverlay, ChartPane } from '../../../shared/api/domains/markets.js';
import type { Candle } from '../../../shared/domain/candle.js';
import { bollinger, Ema, macd, rsi } from '../../../shared/features/catalogue/candles.js';
import { vwap } from '../../../shared/features/catalogue/trades.js';
import type { FeatureDefinition, FeatureEnv } from '../../../shared/features/feature.js';
import { OrderBook } from '../../../shared/market/order-book.js';

/**
 * Indicator lines over the loaded bars. Every value comes from the feature catalogue's own
 * classes (the one home of feature math), fed bar by bar as the engine feeds them, so a line
 * on the chart is the number a model or a backtest sees for that bar. The bar still forming is
 * included, as chart platforms draw it, so the last point moves until the bar closes.
 */

/** One line of a study, a value per loaded bar (NaN while the study warms up). */
export interface StudyLine {
  readonly name: string;
  readonly values: Float64Array;
}

export interface Study {
  /** What the legend and the read-out call it, e.g. `SMA 50`. */
  readonly title: string;
  readonly lines: readonly StudyLine[];
}

export const SMA_PERIOD = 50;
export const EMA_PERIOD = 20;
export const BOLLINGER_PERIOD = 20;
export const BOLLINGER_K = 2;
/** The longest window the catalogue's VWAP takes: a rolling day. */
export const VWAP_WINDOW_MS = 86_400_000;
export const RSI_PERIOD = 14;

/** What the menus call each study. */
export const OVERLAY_TITLES: Readonly<Record<ChartOverlay, string>> = {
  sma: `SMA ${SMA_PERIOD}`,
  ema: `EMA ${EMA_PERIOD}`,
  bollinger: `Bollinger ${BOLLINGER_PERIOD}, ${BOLLINGER_K}`,
  vwap: 'VWAP 24h',
};
export const PANE_TITLES: Readonly<Record<ChartPane, string>> = {
  volume: 'Volume',
  rsi: `RSI ${RSI_PERIOD}`,
  macd: 'MACD 12, 26, 9',
};

/** The overlay's lines over `bars` (oldest first). */
export function overlayStudy(overlay: ChartOverlay, bars: readonly Candle[]): Study {
  const title = OVERLAY_TITLES[overlay];
  switch (overlay) {
    case 'sma': {
      // The Bollinger mid is the mean of the last n closes: the simple moving average itself.
      const [mid] = barFeatureColumns(bollinger, { period: SMA_PERIOD }, bars, ['mid']);
      return { title, lines: [{ name: title, values: mid ?? new Float64Array(bars.length) }] };
    }
    case 'ema':
      return { title, lines: [{ name: title, values: emaOfCloses(bars, EMA_PERIOD) }] };
    case 'bollinger': {
      const columns = barFeatureColumns(bollinger, { period: BOLLINGER_PERIOD, k: BOLLINGER_K }, bars, [
        'upper',
        'mid',
        'lower',
      ]);
      return { title, lines: namedLines(['Upper', 'Mid', 'Lower'], columns) };
    }
    case 'vwap':
      return { title, lines: [{ name: title, values: rollingVwap(bars, VWAP_WINDOW_MS) }] };
    default:
      return unknownStudy(overlay);
  }
}

/** A pane's lines over `bars`; volume is the bars' own and has none. */
export function paneStudy(pane: ChartPane, bars: readonly Candle[]): Study {
  const title = PANE_TITLES[pane];
  switch (pane) {
    case 'volume':
      return { title, lines: [] };
    case 'rsi': {
      const columns = barFeatureColumns(rsi, { period: RSI_PERIOD }, bars, ['value']);
      return { title, lines: namedLines([title], columns) };
    }
    case 'macd': {
      const columns = barFeatureColumns(macd, {}, bars, ['line', 'signal', 'histogram']);
      return { title, lines: namedLines(['MACD', 'Signal', 'Histogram'], columns) };
    }
    default:
      return unknownStudy(pane);
  }
}

function unknownStudy(study: never): never {
  throw new Error(`No study '${String(study)}'`);
}

function namedLines(names: readonly string[], columns: readonly Float64Array[]): StudyLine[] {
  return names.map((name, i) => ({ name, values: columns[i] ?? new Float64Array(0) }));
}

/** A candle feature of the catalogue run over `bars`: the named outputs, one value per bar. */
function barFeatureColumns(
  definition: FeatureDefinition,
  params: Record<string, unknown>,
  bars: readonly Candle[],
  outputs: readonly string[],
): Float64Array[] {
  const first = bars[0];
  const columns = outputs.map(() => new Float64Array(bars.length).fill(Number.NaN));
  if (first === undefined) return columns;
  const parsed = definition.params.parse({ timeframe: first.timeframe, ...params });
  const names = definition.outputs(parsed);
  const indices = outputs.map((output) => {
    const index = names.indexOf(output);
    if (index < 0)
      throw new Error(`${definition.kind} has no output '${output}' (it has ${names.join(', ')})`);
    return index;
  });
  const feature = definition.create(parsed, featureEnv(first.instrument));
  const out = new Float64Array(names.length);
  bars.forEach((bar, row) => {
    feature.onBar?.(bar);
    feature.read(out, 0);
    indices.forEach((index, column) => {
      const values = columns[column];
      if (values !== undefined) values[row] = out[index] ?? Number.NaN;
    });
  });
  return columns;
}

/** The catalogue's EMA (the one MACD uses) of closes. */
function emaOfCloses(bars: readonly Candle[], period: number): Float64Array {
  const ema = new Ema(period);
  return Float64Array.from(bars, (bar) => ema.push(bar.close));
}

/**
 * The catalogue's VWAP, fed one trade per bar carrying the bar's own volume-weighted price
 * (quote volume / volume) and volume: sum(price x amount) / sum(amount) over those is exactly
 * the VWAP of the bars' trades in the window. A bar without quote volume (an imported candle
 * file with volume only) counts at its typical price (high + low + close) / 3.
 */
function rollingVwap(bars: readonly Candle[], windowMs: number): Float64Array {
  const first = bars[0];
  const values = new Float64Array(bars.length).fill(Number.NaN);
  if (first === undefined) return values;
  const feature = vwap.create(vwap.params.parse({ windowMs }), featureEnv(first.instrument));
  const out = new Float64Array(1);
  bars.forEach((bar, row) => {
    if (bar.volume > 0) {
      const price = bar.quoteVolume > 0 ? bar.quoteVolume / bar.volume : (bar.high + bar.low + bar.close) / 3;
      feature.onTrade?.({
        instrument: bar.instrument,
        ts: bar.openTime,
        seq: row,
        id: `${bar.openTime}`,
        price,
        amount: bar.volume,
        side: 'buy',
      });
    } else {
      feature.onTime?.(bar.openTime);
    }
    feature.read(out, 0);
    values[row] = out[0] ?? Number.NaN;
  });
  return values;
}

/** Candle and trade features never read the book; the environment still asks for one. */
function featureEnv(instrument: string): FeatureEnv {
  return { instrument, book: new OrderBook(1), inner: null };
}
