// A trained network that predicts through the plain forward pass and keeps its tfjs model for
// what the plain pass does not do: MC-dropout uncertainty (many passes in one tfjs batch,
// run on every k-th row under a time budget), the attention probes, and saving.
import type { AttentiveModel, ModelArtifact, UncertainModel } from '../../model.js';
import { DIRECTION_OUTPUT, RETURN_OUTPUT, type NetKind } from '../architectures.js';
import type { NetworkModel } from '../network-model.js';
import { PlainForwardPass, UnsupportedLayerError } from './forward-pass.js';

export class PlainForwardNetwork implements UncertainModel, AttentiveModel {
  readonly kind: NetKind;
  readonly columns: readonly string[];
  readonly window: number;
  readonly outputs: number;
  private readonly directionIndex: number;
  private readonly returnIndex: number;

  constructor(
    /** The tfjs model it was compiled from; owned by this object from now on. */
    readonly network: NetworkModel,
    private readonly pass: PlainForwardPass,
  ) {
    this.kind = network.kind;
    this.columns = network.columns;
    this.window = network.window;
    this.outputs = network.outputs;
    this.directionIndex = network.network.outputNames.indexOf(DIRECTION_OUTPUT);
    this.returnIndex = network.network.outputNames.indexOf(RETURN_OUTPUT);
    if (pass.inputSize !== network.window * network.features)
      throw new UnsupportedLayerError(
        `the plain pass reads ${pass.inputSize} values per window, the model ${network.window} x ${network.features}`,
      );
  }

  /**
   * The plain pass over `network`'s weights, or the reason it cannot be built (a layer it does
   * not know): the caller then keeps predicting through tfjs.
   */
  static tryOf(network: NetworkModel): PlainForwardNetwork | { readonly unsupported: string } {
    try {
      return new PlainForwardNetwork(network, PlainForwardPass.of(network.network));
    } catch (error) {
      if (error instanceof UnsupportedLayerError) return { unsupported: error.message };
      throw error;
    }
  }

  get hasAttention(): boolean {
    return this.network.hasAttention;
  }

  get hasReturnHead(): boolean {
    return this.returnIndex >= 0;
  }

  /** As NetworkModel.predict: class probabilities (or the regression value); NaN for a window with NaN or Infinity. */
  predict(x: Float64Array, rows: number, out = new Float64Array(rows * this.outputs)): Float64Array {
    const index = this.network.meta.classes > 0 ? this.directionIndex : this.returnIndex;
    return this.run(x, rows, out, index, this.outputs);
  }

  /** As NetworkModel.predictReturn: the return head's forecast in the target's units. */
  predictReturn(x: Float64Array, rows: number, out = new Float64Array(rows)): Float64Array {
    if (this.returnIndex < 0)
      throw new Error(`${this.kind} with ${this.network.meta.classes} classes has no return head`);
    return this.run(x, rows, out, this.returnIndex, 1);
  }

  uncertainty(x: Float64Array, rows: number, samples: number): Float64Array {
    return this.network.uncertainty(x, rows, samples);
  }

  attention(x: Float64Array): { readonly shape: readonly number[]; readonly weights: Float32Array } {
    return this.network.attention(x);
  }

  save(): Promise<ModelArtifact> {
    return this.network.save();
  }

  dispose(): void {
    this.network.dispose();
  }

  private run(x: Float64Array, rows: number, out: Float64Array, index: number, width: number): Float64Array {
    const span = this.pass.inputSize;
    if (!Number.isInteger(rows) || rows < 1 || x.length < rows * span)
      throw new RangeError(
        `x holds ${x.length} values, ${rows} windows of ${this.window} x ${this.network.features} need ${rows * span}`,
      );
    if (out.length < rows * width)
      throw new RangeError(`out holds ${out.length} values, ${rows * width} needed`);
    const target = index === this.returnIndex ? this.network.meta.target : null;
    for (let row = 0; row < rows; row++) {
      const at = row * span;
      let finite = true;
      for (let i = at; i < at + span && finite; i++) finite = Number.isFinite(x[i] ?? NaN);
      // The network is not asked to guess around a missing value (as NetworkModel does).
      if (!finite) {
        out.fill(NaN, row * width, (row + 1) * width);
        continue;
      }
      this.pass.run(x, at);
      const values = this.pass.output(index);
      for (let j = 0; j < width; j++) {
        const value = values[j] ?? NaN;
        out[row * width + j] = target === null ? value : value * target.std + target.mean;
      }
    }
    return out;
  }
}
