/**
 * One fitted decision tree in flat arrays (fast to walk, plain to store). Node 0 is the root;
 * an inner node sends a row left when its feature value <= threshold, a missing value to the
 * side it learned in training (`missingLeft`). Children always have larger indices than their
 * parent, which is how a loaded tree is proved free of cycles.
 */
export interface DecisionTree {
  /** Feature index of each inner node, -1 for a leaf. */
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly missingLeft: Uint8Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** `width` numbers per node, meaningful at leaves. */
  readonly value: Float64Array;
  /** Numbers per leaf: 1 for a boosting tree, the class shares (or 1 mean) for a forest tree. */
  readonly width: number;
}

/** The leaf a row (`x[offset .. offset + features)`) falls in. */
export function leafOf(tree: DecisionTree, x: ArrayLike<number>, offset: number): number {
  let node = 0;
  for (;;) {
    const f = tree.feature[node] ?? -1;
    if (f < 0) return node;
    const v = x[offset + f] ?? Number.NaN;
    const goLeft = Number.isNaN(v) ? tree.missingLeft[node] === 1 : v <= (tree.threshold[node] ?? 0);
    node = (goLeft ? tree.left[node] : tree.right[node]) ?? 0;
  }
}

/** A growable tree while fitting; `freeze` gives the flat arrays. */
export class TreeBuilder {
  private readonly feature: number[] = [];
  private readonly threshold: number[] = [];
  private readonly thresholdBin: number[] = [];
  private readonly missingLeft: number[] = [];
  private readonly left: number[] = [];
  private readonly right: number[] = [];
  private readonly value: number[] = [];

  constructor(readonly width: number) {}

  /** A new leaf; returns its index. */
  leaf(): number {
    this.feature.push(-1);
    this.threshold.push(0);
    this.thresholdBin.push(0);
    this.missingLeft.push(0);
    this.left.push(-1);
    this.right.push(-1);
    for (let i = 0; i < this.width; i++) this.value.push(0);
    return this.feature.length - 1;
  }

  setValue(node: number, values: ArrayLike<number>, offset = 0): void {
    for (let i = 0; i < this.width; i++) this.value[node * this.width + i] = values[offset + i] ?? 0;
  }

  /** Turns a leaf into a split; returns [left, right]. */
  split(
    node: number,
    feature: number,
    threshold: number,
    bin: number,
    missingLeft: boolean,
  ): [number, number] {
    const left = this.leaf();
    const right = this.leaf();
    this.feature[node] = feature;
    this.threshold[node] = threshold;
    this.thresholdBin[node] = bin;
    this.missingLeft[node] = missingLeft ? 1 : 0;
    this.left[node] = left;
    this.right[node] = right;
    return [left, right];
  }

  /** Leaf of a training row from its bins (binned[row * width + f]); `missingBin` = bins. */
  leafOfBinned(binned: Uint8Array, width: number, row: number, missingBin: number): number {
    let node = 0;
    for (;;) {
      const f = this.feature[node] ?? -1;
      if (f < 0) return node;
      const b = binned[row * width + f] ?? 0;
      const goLeft = b === missingBin ? this.missingLeft[node] === 1 : b <= (this.thresholdBin[node] ?? 0);
      node = (goLeft ? this.left[node] : this.right[node]) ?? 0;
    }
  }

  leafValue(node: number, i = 0): number {
    return this.value[node * this.width + i] ?? 0;
  }

  freeze(): DecisionTree {
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      missingLeft: Uint8Array.from(this.missingLeft),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      value: Float64Array.from(this.value),
      width: this.width,
    };
  }
}
