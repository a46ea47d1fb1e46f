import { describe, expect, it } from 'vitest';
import { normaliseTimestamp } from '../../../../main/history/file-import.js';
import { TradeColumns } from '../../../../main/history/trade-batch.js';
import { BinanceTradeLineReader } from '../../../../main/history/trade-line-bytes.js';
import { createRng } from '../../../../shared/market/rng.js';

function reader(): { rows: TradeColumns; read: (line: string) => boolean } {
  const rows = new TradeColumns();
  const lines = new BinanceTradeLineReader(rows, (value) => normaliseTimestamp(value, false));
  return {
    rows,
    read: (line) => {
      // Inside a larger buffer, as lines are in a chunk of the file.
      const bytes = Buffer.from(`xx\n${line}\nyy`, 'latin1');
      return lines.read(bytes, 3, 3 + Buffer.byteLength(line, 'latin1'));
    },
  };
}

describe('the Binance trade line reader', () => {
  it('reads a row as the text parser does: id as seq, taker side from is_buyer_maker', () => {
    const { rows, read } = reader();
    expect(read('4000000001,30000.01000000,0.00100000,30.00001000,1767571200000,true,true')).toBe(true);
    expect(read('4000000002,30000.02,1.5,45.00003,1767571200001000,false')).toBe(true);
    expect(rows.length).toBe(2);
    expect([...rows.ts]).toEqual([1767571200000, 1767571200001]); // µs read as ms
    expect([...rows.seq]).toEqual([4000000001, 4000000002]);
    expect(rows.id).toEqual([4000000001, 4000000002]);
    expect([...rows.price]).toEqual([30000.01, 30000.02]);
    expect([...rows.amount]).toEqual([0.001, 1.5]);
    expect([...rows.side]).toEqual([-1, 1]);
  });

  it('reads every price and amount as exactly the number Number() reads from its text', () => {
    const { rows, read } = reader();
    const random = createRng(7);
    const texts: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const decimals = Math.floor(random.next() * 13);
      // At most 15 digits in all, so the digits always fit a double exactly (2^53).
      const whole = Math.floor(random.next() * 10 ** Math.floor(random.next() * Math.min(7, 16 - decimals)));
      const fraction = String(Math.floor(random.next() * 10 ** decimals)).padStart(decimals, '0');
      const text = decimals === 0 ? String(whole + 1) : `${whole}.${fraction}`;
      if (!(Number(text) > 0)) continue;
      texts.push(text);
      expect(read(`${i + 1},${text},${text},0,1767571200000,false,true`)).toBe(true);
    }
    expect([...rows.price]).toEqual(texts.map(Number));
    expect([...rows.amount]).toEqual(texts.map(Number));
  });

  it.each([
    ['a hexadecimal price', '1,0x10,1,0,1767571200000,true,true'],
    ['a signed price', '1,-5,1,0,1767571200000,true,true'],
    ['an exponent', '1,1e5,1,0,1767571200000,true,true'],
    ['a point with no digit before it', '1,.5,1,0,1767571200000,true,true'],
    ['a point with no digit after it', '1,5.,1,0,1767571200000,true,true'],
    ['a zero price', '1,0.000,1,0,1767571200000,true,true'],
    ['an id with a leading zero', '007,1,1,0,1767571200000,true,true'],
    ['an id with decimals', '1.5,1,1,0,1767571200000,true,true'],
    ['a time in seconds', '1,1,1,0,1767571200,true,true'],
    ['a time with decimals', '1,1,1,0,1767571200000.5,true,true'],
    ['an extra column', '1,1,1,0,1767571200000,true,true,x'],
    ['five columns', '1,1,1,0,1767571200000'],
    ['a side that is not true/false', '1,1,1,0,1767571200000,TRUE,true'],
    ['a blank field', '1, 1,1,0,1767571200000,true,true'],
    ['a byte that is not ASCII', '1,1,1,0\xe9,1767571200000,true,true'],
    ['digits past 2^53', '1,12345678901234567,1,0,1767571200000,true,true'],
    ['an empty line', ''],
  ])('leaves %s to the text parser, reading nothing', (_, line) => {
    const { rows, read } = reader();
    expect(read(line)).toBe(false);
    expect(rows.length).toBe(0);
  });
});
