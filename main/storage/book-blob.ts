import type { Level } from '../../shared/domain/market.js';

/**
 * Book levels stored as a BLOB: little-endian float64 pairs `price0, size0, price1, size1, ...`,
 * 16 bytes a level, best level first. Half the size of JSON and decoded without parsing.
 */

const BYTES_PER_LEVEL = 16;

// Every platform the app ships on (x64, arm64) is little-endian, so a Float64Array's bytes are
// already the stored format; the DataView path keeps the file portable anywhere else.
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** Encode at most `depth` levels (all of them when omitted). */
export function encodeLevels(levels: readonly Level[], depth = levels.length): Buffer {
  const count = Math.min(depth, levels.length);
  if (HOST_IS_LITTLE_ENDIAN) {
    const values = new Float64Array(count * 2);
    for (let i = 0; i < count; i++) {
      const level = levels[i];
      if (level === undefined) break;
      values[2 * i] = level[0];
      values[2 * i + 1] = level[1];
    }
    return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  }
  const bytes = Buffer.alloc(count * BYTES_PER_LEVEL);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) {
    const level = levels[i];
    if (level === undefined) break;
    view.setFloat64(i * BYTES_PER_LEVEL, level[0], true);
    view.setFloat64(i * BYTES_PER_LEVEL + 8, level[1], true);
  }
  return bytes;
}

/** Decode levels written by `encodeLevels`; throws on a blob that cannot be one. */
export function decodeLevels(blob: Uint8Array): Level[] {
  if (blob.byteLength % BYTES_PER_LEVEL !== 0) {
    throw new RangeError(
      `A book blob must hold whole levels of ${BYTES_PER_LEVEL} bytes, got ${blob.byteLength} bytes`,
    );
  }
  // A DataView reads at any alignment: the Buffer better-sqlite3 returns may not start on an
  // 8-byte boundary, which a Float64Array view would require.
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const count = blob.byteLength / BYTES_PER_LEVEL;
  const levels: Level[] = new Array<Level>(count);
  for (let i = 0; i < count; i++) {
    levels[i] = [view.getFloat64(i * BYTES_PER_LEVEL, true), view.getFloat64(i * BYTES_PER_LEVEL + 8, true)];
  }
  return levels;
}
