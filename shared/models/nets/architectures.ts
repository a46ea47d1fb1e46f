// The four sequence networks, built from their hyper-parameters and the input shape. Every
// initialiser takes a seed derived from params.seed, so the same params give the same starting
// weights; dropout masks are deliberately unseeded (a seeded tfjs dropout draws the same mask
// on every call, which would freeze training noise and zero the MC-dropout spread).
import * as tf from '@tensorflow/tfjs';
import type { ModelParamsOf } from '../model.js';
import {
  AttentionScores,
  CausalConv1D,
  SelfAttentionMix,
  SelfAttentionScores,
  SinusoidalPositions,
  WeightedTimeSum,
} from './layers.js';

export const NET_KINDS = ['lstm', 'bilstm-attention', 'transformer', 'cnn-lstm'] as const;
export type NetKind = (typeof NET_KINDS)[number];
export type NetParams = ModelParamsOf<NetKind>;

export const isNetKind = (kind: string): kind is NetKind => (NET_KINDS as readonly string[]).includes(kind);

/** Layer names the trainer and the attention probes look up. */
export const DIRECTION_OUTPUT = 'direction';
export const RETURN_OUTPUT = 'forward_return';
export const POOLING_ATTENTION = 'attention_scores';
export const selfAttentionName = (block: number): string => `self_attention_${block}`;

export interface NetShape {
  readonly window: number;
  readonly features: number;
  /** 2 or 3 for classification, 0 for regression (one linear output). */
  readonly classes: number;
}

/** Seeds for successive layers: distinct, reproducible from params.seed. */
function seeds(seed: number): () => number {
  let next = seed * 1009;
  return () => (next += 7);
}

interface Ctx {
  readonly params: NetParams;
  readonly seed: () => number;
}

const glorot = (ctx: Ctx) => tf.initializers.glorotUniform({ seed: ctx.seed() });
const kernelL2 = (ctx: Ctx) =>
  ctx.params.l2 > 0 ? { kernelRegularizer: tf.regularizers.l2({ l2: ctx.params.l2 }) } : {};

function dense(
  ctx: Ctx,
  units: number,
  options: { activation?: 'relu' | 'softmax' | 'linear'; name?: string } = {},
) {
  return tf.layers.dense({ units, kernelInitializer: glorot(ctx), ...kernelL2(ctx), ...options });
}

function lstm(ctx: Ctx, units: number, returnSequences: boolean) {
  // glorot rather than Keras' orthogonal recurrent init: tfjs's orthogonal runs a QR per call
  // and warns above 2000 elements, i.e. from 23 units on.
  return tf.layers.lstm({
    units,
    returnSequences,
    kernelInitializer: glorot(ctx),
    recurrentInitializer: glorot(ctx),
    ...kernelL2(ctx),
  });
}

function dropout(ctx: Ctx, x: tf.SymbolicTensor): tf.SymbolicTensor {
  return ctx.params.dropout > 0
    ? (tf.layers.dropout({ rate: ctx.params.dropout }).apply(x) as tf.SymbolicTensor)
    : x;
}

function heads(ctx: Ctx, x: tf.SymbolicTensor, shape: NetShape, withReturn: boolean): tf.SymbolicTensor[] {
  if (shape.classes === 0) return [dense(ctx, 1, { name: RETURN_OUTPUT }).apply(x) as tf.SymbolicTensor];
  const direction = dense(ctx, shape.classes, { activation: 'softmax', name: DIRECTION_OUTPUT }).apply(
    x,
  ) as tf.SymbolicTensor;
  if (!withReturn) return [direction];
  return [direction, dense(ctx, 1, { name: RETURN_OUTPUT }).apply(x) as tf.SymbolicTensor];
}

const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) =>
  layer.apply(x) as tf.SymbolicTensor;

/**
 * The network for `params`: input [window, features], outputs the direction probabilities
 * (classes > 0) and, for cnn-lstm, the forward-return regression as a second output; a single
 * linear output when classes = 0.
 */
export function buildNetwork(params: NetParams, shape: NetShape): tf.LayersModel {
  if (shape.classes !== 0 && shape.classes !== 2 && shape.classes !== 3)
    throw new Error(`classes must be 0, 2 or 3, got ${shape.classes}`);
  const ctx: Ctx = { params, seed: seeds(params.seed) };
  const input = tf.input({ shape: [shape.window, shape.features], name: 'window' });
  let outputs: tf.SymbolicTensor[];
  switch (params.kind) {
    case 'lstm': {
      const h = dropout(ctx, apply(lstm(ctx, params.units, false), input));
      outputs = heads(ctx, h, shape, false);
      break;
    }
    case 'bilstm-attention': {
      const sequence = apply(
        tf.layers.bidirectional({ layer: lstm(ctx, params.units, true), mergeMode: 'concat' }),
        input,
      );
      const weights = apply(
        new AttentionScores({
          units: params.units,
          seed: ctx.seed(),
          l2: params.l2,
          name: POOLING_ATTENTION,
        }),
        sequence,
      );
      const pooled = dropout(
        ctx,
        apply(new WeightedTimeSum({ name: 'attention_pool' }), [sequence, weights]),
      );
      outputs = heads(ctx, pooled, shape, false);
      break;
    }
    case 'transformer': {
      const keyDim = Math.max(1, Math.floor(params.modelDim / params.heads));
      let x = apply(dense(ctx, params.modelDim, { name: 'projection' }), input);
      x = dropout(ctx, apply(new SinusoidalPositions({ name: 'positions' }), x));
      for (let block = 0; block < params.layers; block++) {
        // Post-norm encoder block: x = LN(x + MHSA(x)); x = LN(x + FF(x)).
        const attention = apply(
          new SelfAttentionScores({
            heads: params.heads,
            keyDim,
            seed: ctx.seed(),
            l2: params.l2,
            name: selfAttentionName(block),
          }),
          x,
        );
        const mixed = dropout(
          ctx,
          apply(
            new SelfAttentionMix({
              heads: params.heads,
              keyDim,
              seed: ctx.seed(),
              l2: params.l2,
              name: `attention_mix_${block}`,
            }),
            [x, attention],
          ),
        );
        x = apply(
          tf.layers.layerNormalization({ name: `attention_norm_${block}` }),
          apply(tf.layers.add(), [x, mixed]),
        );
        const ff = dropout(
          ctx,
          apply(dense(ctx, params.modelDim), apply(dense(ctx, params.ffDim, { activation: 'relu' }), x)),
        );
        x = apply(
          tf.layers.layerNormalization({ name: `feed_forward_norm_${block}` }),
          apply(tf.layers.add(), [x, ff]),
        );
      }
      const pooled = dropout(ctx, apply(tf.layers.globalAveragePooling1d(), x));
      outputs = heads(ctx, pooled, shape, false);
      break;
    }
    case 'cnn-lstm': {
      if (params.kernel > shape.window)
        throw new Error(`kernel ${params.kernel} is longer than the window ${shape.window}`);
      const conv = apply(
        new CausalConv1D({
          filters: params.filters,
          kernel: params.kernel,
          seed: ctx.seed(),
          l2: params.l2,
          name: 'causal_conv',
        }),
        input,
      );
      const h = dropout(ctx, apply(lstm(ctx, params.units, false), conv));
      outputs = heads(ctx, h, shape, true);
      break;
    }
    default: {
      const unknown: never = params;
      throw new Error(`not a network kind: ${JSON.stringify(unknown)}`);
    }
  }
  return tf.model({ inputs: input, outputs, name: params.kind.replace('-', '_') });
}
