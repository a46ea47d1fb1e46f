import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelFormatError, type ModelArtifact } from '../../../../../shared/models/model.js';
import { NET_KINDS } from '../../../../../shared/models/nets/architectures.js';
import { loadNetwork } from '../../../../../shared/models/nets/network-model.js';
import { trainNetwork, type TrainedNetwork } from '../../../../../shared/models/nets/train.js';
import { asInput, signTask, smallParams, useWasm } from './net-fixtures.js';

beforeAll(useWasm);

const train = signTask(96, 8, 3, 3, 7);
const probe = signTask(6, 8, 3, 3, 8);

async function trained(
  kind: (typeof NET_KINDS)[number],
  overrides: Record<string, unknown> = {},
): Promise<TrainedNetwork> {
  return trainNetwork(train, null, smallParams(kind, { epochs: 1, ...overrides }));
}

describe('network artifacts', { timeout: 30_000 }, () => {
  for (const kind of NET_KINDS) {
    it(`${kind} saves and loads back to identical predictions`, async () => {
      const model = await trained(kind);
      const artifact = await model.save();
      expect(artifact).toMatchObject({ format: 'tfjs', kind });
      if (artifact.format !== 'tfjs') throw new Error('unreachable');
      expect(artifact.weightData.byteLength).toBeGreaterThan(0);
      // The artifact survives a JSON round trip of everything but the weights (how it is stored).
      const stored: ModelArtifact = {
        ...artifact,
        modelTopology: JSON.parse(JSON.stringify(artifact.modelTopology)) as unknown,
        weightSpecs: JSON.parse(JSON.stringify(artifact.weightSpecs)) as unknown,
        meta: JSON.parse(JSON.stringify(artifact.meta)) as Record<string, unknown>,
      };
      const loaded = await loadNetwork(stored);
      const input = asInput(probe);
      expect(Array.from(loaded.predict(input, probe.rows))).toEqual(
        Array.from(model.predict(input, probe.rows)),
      );
      expect(loaded.columns).toEqual(['f0', 'f1', 'f2']);
      expect(loaded.window).toBe(8);
      if (kind === 'cnn-lstm')
        expect(Array.from(loaded.predictReturn(input, probe.rows))).toEqual(
          Array.from(model.predictReturn(input, probe.rows)),
        );
      if (loaded.hasAttention)
        expect(loaded.attention(input.subarray(0, 24)).weights).toEqual(
          model.attention(input.subarray(0, 24)).weights,
        );
      model.dispose();
      loaded.dispose();
    });
  }

  describe('a corrupt artifact', () => {
    let artifact: Extract<ModelArtifact, { format: 'tfjs' }>;
    beforeAll(async () => {
      const model = await trained('bilstm-attention');
      const saved = await model.save();
      model.dispose();
      if (saved.format !== 'tfjs') throw new Error('unreachable');
      artifact = saved;
    });

    it('names topology that is not JSON', async () => {
      await expect(
        loadNetwork({ ...artifact, modelTopology: '{"class_name": "Model", "config": ' }),
      ).rejects.toThrow(
        new ModelFormatError(
          `modelTopology is not valid JSON: ${jsonError('{"class_name": "Model", "config": ')}`,
        ),
      );
    });

    it('names truncated weights with the byte counts', async () => {
      const full = artifact.weightData.byteLength;
      const error = await loadNetwork({
        ...artifact,
        weightData: artifact.weightData.slice(0, full - 10),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelFormatError);
      expect((error as Error).message).toBe(
        `weightData is ${full - 10} bytes, the weight specs need ${full} (truncated)`,
      );
    });

    it('names a topology tfjs cannot rebuild', async () => {
      const topology = JSON.parse(JSON.stringify(artifact.modelTopology)) as {
        config: { layers: { class_name: string }[] };
      };
      const attention = topology.config.layers.find((layer) => layer.class_name === 'AttentionScores');
      if (!attention) throw new Error('no attention layer in the topology');
      attention.class_name = 'NoSuchLayer';
      await expect(loadNetwork({ ...artifact, modelTopology: topology })).rejects.toThrow(
        /^the network cannot be rebuilt from its topology and weights: .*NoSuchLayer/,
      );
    });

    it('names invalid meta and the wrong format', async () => {
      await expect(loadNetwork({ ...artifact, meta: { ...artifact.meta, window: -1 } })).rejects.toThrow(
        /^meta is invalid: window:/,
      );
      await expect(loadNetwork({ format: 'json', kind: 'lstm', json: '{}' })).rejects.toThrow(
        new ModelFormatError('a json artifact is not a network'),
      );
    });
  });

  it('predicting again and again leaves no tensors behind', async () => {
    const model = await trained('transformer', { dropout: 0.2 });
    const input = asInput(probe);
    model.predict(input, probe.rows);
    model.uncertainty(input, probe.rows, 4);
    model.attention(input.subarray(0, 24));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      model.predict(input, probe.rows);
      model.predict(input.subarray(0, 24), 1);
      model.uncertainty(input, probe.rows, 4);
      model.attention(input.subarray(0, 24));
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    expect(() => model.predict(input, 1)).toThrow(/disposed/);
  });

  it('MC dropout spreads the top-class probability with dropout and not without', async () => {
    const input = asInput(probe);
    const withDropout = await trained('lstm', { dropout: 0.3 });
    const spread = withDropout.uncertainty(input, probe.rows, 16);
    expect(spread).toHaveLength(probe.rows);
    for (const s of spread) expect(s).toBeGreaterThan(0);
    // The deterministic prediction does not change between calls.
    expect(Array.from(withDropout.predict(input, probe.rows))).toEqual(
      Array.from(withDropout.predict(input, probe.rows)),
    );
    const without = await trained('lstm', { dropout: 0 });
    expect(Array.from(without.uncertainty(input, probe.rows, 16))).toEqual(new Array(probe.rows).fill(0));
    withDropout.dispose();
    without.dispose();
  });
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}
