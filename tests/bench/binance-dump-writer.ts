import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { createDeflateRaw, crc32 } from 'node:zlib';
import type { DumpOptions } from '../fixtures/trade-dumps.js';

/**
 * Writes the rows of tests/fixtures/trade-dumps.ts's binanceTradeLine (the same bytes) fast
 * enough for the benchmark's 10M-row CSV and 40M-row zip: lines are written as bytes into one
 * buffer (no string per line: template strings and toFixed cost 10+ µs a line on a busy
 * machine, ten minutes for 40M rows), and a zip is deflated by Node's zlib and framed here
 * (fflate's JS deflate took another five). The zip is what Binance serves: one CSV entry,
 * deflated, sizes in a data descriptor after it (streamed: not known before).
 */
export async function writeBinanceDumpFast(
  file: string,
  rows: number,
  options: DumpOptions,
  onProgress: (rows: number) => void = () => undefined,
): Promise<{ csvBytes: number }> {
  const out = createWriteStream(file);
  const write = async (bytes: Uint8Array): Promise<void> => {
    if (!out.write(bytes)) await once(out, 'drain');
  };
  const zipped = /\.zip$/i.test(file);
  const entryName = Buffer.from(path.basename(file).replace(/\.zip$/i, '.csv'));
  const deflate = zipped ? createDeflateRaw({ level: 1, chunkSize: 1 << 20 }) : null;
  let compressed = 0;
  let crc = 0;
  let csvBytes = 0;
  const drained = (async () => {
    if (deflate === null) return;
    for await (const chunk of deflate) {
      compressed += (chunk as Buffer).byteLength;
      await write(chunk as Buffer);
    }
  })();
  if (zipped) await write(localHeader(entryName));

  const BLOCK = 50_000;
  const buffer = Buffer.allocUnsafe(BLOCK * 96);
  for (let from = 0; from < rows; from += BLOCK) {
    let at = 0;
    for (let i = from; i < Math.min(rows, from + BLOCK); i++) at = writeLine(buffer, at, i, options);
    const block = Buffer.from(buffer.subarray(0, at)); // the stream keeps it; the buffer is refilled
    csvBytes += at;
    if (deflate === null) await write(block);
    else {
      crc = crc32(block, crc);
      if (!deflate.write(block)) await once(deflate, 'drain');
    }
    onProgress(Math.min(rows, from + BLOCK));
  }
  if (deflate !== null) {
    deflate.end();
    await drained;
    if (compressed >= 2 ** 32 || csvBytes >= 2 ** 32)
      throw new RangeError(`${file}: over 4 GiB, which needs ZIP64 (not written here)`);
    await write(dataDescriptor(crc, compressed, csvBytes));
    const directory = centralDirectory(entryName, crc, compressed, csvBytes);
    await write(directory);
    await write(endOfDirectory(directory.byteLength, localHeader(entryName).byteLength + compressed + 16));
  }
  out.end();
  await once(out, 'finish');
  return { csvBytes };
}

const ZERO = 48;

/** Writes n >= 0 (an integer) in decimal at `at`; returns the end. */
function writeInt(buffer: Buffer, at: number, n: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  let rest = n;
  for (let k = digits - 1; k >= 0; k--) {
    buffer[at + k] = ZERO + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return at + digits;
}

/** Writes n (0 <= n < 10^width) with leading zeros to `width` digits. */
function writePadded(buffer: Buffer, at: number, n: number, width: number): number {
  let rest = n;
  for (let k = width - 1; k >= 0; k--) {
    buffer[at + k] = ZERO + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return at + width;
}

function writeText(buffer: Buffer, at: number, text: string): number {
  return at + buffer.write(text, at, 'latin1');
}

/** binanceTradeLine(i, options), as bytes. */
function writeLine(buffer: Buffer, start: number, i: number, options: DumpOptions): number {
  const cents = 3_000_000 + ((i * 7919) % 2000);
  const milli = 1 + ((i * 104_729) % 997);
  // quote = cents * milli / 10^5 to 8 places: the exact 5 decimals, then 000.
  const quote = cents * milli;
  let at = writeInt(buffer, start, (options.firstId ?? 4_000_000_000) + i);
  buffer[at++] = 44;
  at = writeInt(buffer, at, Math.floor(cents / 100));
  buffer[at++] = 46;
  at = writePadded(buffer, at, cents % 100, 2);
  at = writeText(buffer, at, '000000,');
  at = writeInt(buffer, at, Math.floor(milli / 1000));
  buffer[at++] = 46;
  at = writePadded(buffer, at, milli % 1000, 3);
  at = writeText(buffer, at, '00000,');
  at = writeInt(buffer, at, Math.floor(quote / 100_000));
  buffer[at++] = 46;
  at = writePadded(buffer, at, quote % 100_000, 5);
  at = writeText(buffer, at, '000,');
  at = writeInt(buffer, at, options.startTs + Math.floor(i * options.spacingMs));
  return writeText(buffer, at, i % 3 === 0 ? ',true,true\n' : ',false,true\n');
}

// ZIP records (APPNOTE.TXT 4.3): version 2.0, deflate, bit 3 = sizes in the data descriptor.
const FLAGS = 0x0008;
const DEFLATE = 8;
const DOS_TIME = 0;
const DOS_DATE = ((2026 - 1980) << 9) | (1 << 5) | 1;

function localHeader(name: Buffer): Buffer {
  const header = Buffer.alloc(30 + name.byteLength);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(FLAGS, 6);
  header.writeUInt16LE(DEFLATE, 8);
  header.writeUInt16LE(DOS_TIME, 10);
  header.writeUInt16LE(DOS_DATE, 12);
  // crc and sizes (14..25) stay 0: they follow the data.
  header.writeUInt16LE(name.byteLength, 26);
  name.copy(header, 30);
  return header;
}

function dataDescriptor(crc: number, compressed: number, size: number): Buffer {
  const record = Buffer.alloc(16);
  record.writeUInt32LE(0x08074b50, 0);
  record.writeUInt32LE(crc >>> 0, 4);
  record.writeUInt32LE(compressed, 8);
  record.writeUInt32LE(size, 12);
  return record;
}

function centralDirectory(name: Buffer, crc: number, compressed: number, size: number): Buffer {
  const record = Buffer.alloc(46 + name.byteLength);
  record.writeUInt32LE(0x02014b50, 0);
  record.writeUInt16LE(20, 4);
  record.writeUInt16LE(20, 6);
  record.writeUInt16LE(FLAGS, 8);
  record.writeUInt16LE(DEFLATE, 10);
  record.writeUInt16LE(DOS_TIME, 12);
  record.writeUInt16LE(DOS_DATE, 14);
  record.writeUInt32LE(crc >>> 0, 16);
  record.writeUInt32LE(compressed, 20);
  record.writeUInt32LE(size, 24);
  record.writeUInt16LE(name.byteLength, 28);
  // extra, comment, disk, attributes and the local header's offset (0) stay 0
  name.copy(record, 46);
  return record;
}

function endOfDirectory(directoryBytes: number, directoryOffset: number): Buffer {
  const record = Buffer.alloc(22);
  record.writeUInt32LE(0x06054b50, 0);
  record.writeUInt16LE(1, 8);
  record.writeUInt16LE(1, 10);
  record.writeUInt32LE(directoryBytes, 12);
  record.writeUInt32LE(directoryOffset, 16);
  return record;
}
