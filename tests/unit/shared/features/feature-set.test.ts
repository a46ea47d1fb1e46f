import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalFeatureSet,
  canonicalJson,
  columns,
  compileFeatureSet,
  featureSetHash,
  type FeatureSet,
} from '../../../../shared/features/feature-set.js';
import { FeatureSpecError } from '../../../../shared/features/resolve.js';
import { sha256Hex, utf8Bytes } from '../../../../shared/features/sha256.js';
import { createRng } from '../../../../shared/market/rng.js';

const base: FeatureSet = {
  name: 'book and momentum',
  instrument: 'demo:DEMO/USD',
  sampling: '1m',
  features: [{ kind: 'book_imbalance', params: {} }],
};

describe('sha256', () => {
  it('matches the FIPS 180-4 test vectors', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(sha256Hex('a'.repeat(1_000_000))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    );
  });

  it('agrees with node:crypto on texts of every length around the block boundaries', () => {
    const rng = createRng(3);
    for (let length = 0; length < 200; length++) {
      const text = Array.from({ length }, () => String.fromCharCode(32 + rng.int(0, 400))).join('');
      expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    }
  });

  it('encodes UTF-8 like TextEncoder, surrogate pairs included', () => {
    expect([...utf8Bytes('€')]).toEqual([0xe2, 0x82, 0xac]);
    expect([...utf8Bytes('😀')]).toEqual([0xf0, 0x9f, 0x98, 0x80]);
    expect([...utf8Bytes('a\ud800b')]).toEqual([...new TextEncoder().encode('a\ud800b')]);
  });
});

describe('feature sets', () => {
  it('fills every parameter with its default and sorts keys', () => {
    const set = canonicalFeatureSet({
      ...base,
      features: [{ kind: 'macd', params: { slow: 30, timeframe: '5m' } }],
    });
    expect(set.features).toEqual([
      { kind: 'macd', params: { fast: 12, signal: 9, slow: 30, timeframe: '5m' } },
    ]);
    expect(Object.keys(set.features[0]?.params ?? {})).toEqual(['fast', 'signal', 'slow', 'timeframe']);
    expect(canonicalFeatureSet({ ...base, sampling: undefined }).sampling).toBe('event');
  });

  it('hashes the canonical JSON of instrument, sampling and features with SHA-256', () => {
    // Written out by hand: the canonical form of `base`.
    const canonical =
      '{"features":[{"kind":"book_imbalance","params":{"levels":5}}],"instrument":"demo:DEMO/USD","sampling":"1m"}';
    expect(canonicalJson({ ...canonicalFeatureSet(base), name: undefined })).toBe(canonical);
    expect(featureSetHash(base)).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  it('gives the same hash however the same set is written, and another for another set', () => {
    const hash = featureSetHash(base);
    expect(featureSetHash({ ...base, features: [{ kind: 'book_imbalance', params: { levels: 5 } }] })).toBe(
      hash,
    );
    expect(featureSetHash({ ...base, name: 'renamed', id: 'set-1' })).toBe(hash);
    const macd = (params: Record<string, unknown>) =>
      featureSetHash({ ...base, features: [{ kind: 'macd', params }] });
    expect(macd({ fast: 12, slow: 26 })).toBe(macd({ slow: 26, fast: 12, signal: 9, timeframe: '1m' }));

    expect(
      featureSetHash({ ...base, features: [{ kind: 'book_imbalance', params: { levels: 6 } }] }),
    ).not.toBe(hash);
    expect(featureSetHash({ ...base, sampling: '5m' })).not.toBe(hash);
    expect(featureSetHash({ ...base, instrument: 'demo:REF/USD' })).not.toBe(hash);
    // Order of features is the order of columns: it is part of the identity.
    const two = [
      { kind: 'spread', params: {} },
      { kind: 'microprice', params: {} },
    ];
    expect(featureSetHash({ ...base, features: two })).not.toBe(
      featureSetHash({ ...base, features: [...two].reverse() }),
    );
  });

  it('names one column per output, <kind>(<params>).<output>', () => {
    expect(
      columns({
        ...base,
        features: [
          { kind: 'spread', params: {} },
          { kind: 'macd', params: {} },
          { kind: 'rolling', params: { of: { kind: 'book_imbalance', params: {} }, window: 10 } },
        ],
      }),
    ).toEqual([
      'spread().abs',
      'spread().bps',
      'macd(fast=12,signal=9,slow=26,timeframe=1m).line',
      'macd(fast=12,signal=9,slow=26,timeframe=1m).signal',
      'macd(fast=12,signal=9,slow=26,timeframe=1m).histogram',
      'rolling(of=book_imbalance(levels=5),output=value,unit=samples,window=10).mean',
      'rolling(of=book_imbalance(levels=5),output=value,unit=samples,window=10).std',
      'rolling(of=book_imbalance(levels=5),output=value,unit=samples,window=10).min',
      'rolling(of=book_imbalance(levels=5),output=value,unit=samples,window=10).max',
      'rolling(of=book_imbalance(levels=5),output=value,unit=samples,window=10).zscore',
    ]);
  });

  it('refuses unknown kinds, bad or unknown parameters and duplicate features', () => {
    const withFeatures = (features: FeatureSet['features']) => () => compileFeatureSet({ ...base, features });
    expect(withFeatures([{ kind: 'astrology', params: {} }])).toThrow(FeatureSpecError);
    expect(withFeatures([{ kind: 'book_imbalance', params: { levels: 0 } }])).toThrow(/levels/);
    expect(withFeatures([{ kind: 'book_imbalance', params: { level: 5 } }])).toThrow(FeatureSpecError);
    expect(
      withFeatures([
        { kind: 'book_imbalance', params: {} },
        { kind: 'book_imbalance', params: { levels: 5 } },
      ]),
    ).toThrow(/twice/);
    expect(withFeatures([])).toThrow();
  });
});
