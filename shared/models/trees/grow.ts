import type { Rng } from '../../market/rng.js';
import type { FeatureBins } from './bins.js';
import { SerialHistograms, type HistogramBuilder } from './histogram.js';
import { TreeBuilder } from './tree.js';

/**
 * Grows one tree on binned columns from per-row statistics ("channels"): gradient and hessian
 * for boosting, weighted class counts for a forest. A node's histogram holds, per feature and
 * bin, the channel sums and the row count; the best split is a scan over those sums, never over
 * rows. With one feature set per tree (boosting) only the smaller child's histogram is built
 * from rows and the larger one is the parent's minus it (histogram subtraction); a forest
 * draws features per node, so both children are built.
 */

/** How a node is scored and what its leaf holds, from its channel sums. */
export interface SplitCriterion {
  readonly channels: number;
  /** A split's gain is score(left) + score(right) - score(parent); higher is better. */
  score(sums: Float64Array, offset: number): number;
  /** Whether a child with these sums may exist (e.g. enough hessian). */
  admissible(sums: Float64Array, offset: number): boolean;
  /** Writes the leaf's values from its sums. */
  leaf(sums: Float64Array, offset: number, out: Float64Array): void;
}

export interface GrowOptions {
  readonly depth: number;
  readonly growth: 'depth-wise' | 'leaf-wise';
  /** Most leaves (leaf-wise); depth-wise ignores it. */
  readonly leaves: number;
  readonly minLeaf: number;
  /** Features this tree may split on. */
  readonly features: Int32Array;
  /** Features drawn per node from `features` (random forest); null = all of them. */
  readonly featuresPerSplit: number | null;
  readonly rng: Rng;
}

export interface GrowInput {
  /** Row-major bins: binned[r * width + f]. */
  readonly binned: Uint8Array;
  readonly width: number;
  readonly bins: FeatureBins;
  /** values[r * channels + c] for every row r. */
  readonly values: Float64Array;
  /** The rows of this tree, ascending; reordered in place while growing. */
  readonly sample: Int32Array;
  /**
   * Builds the node histograms (default: in this thread). The arrays above must come from it.
   * Any builder gives the same tree: see histogram.ts.
   */
  readonly histograms?: HistogramBuilder;
}

interface Split {
  readonly gain: number;
  readonly slot: number;
  readonly feature: number;
  readonly bin: number;
  readonly missingLeft: boolean;
  /** Channel sums and row count of each side. */
  readonly left: Float64Array;
  readonly right: Float64Array;
}

interface Node {
  readonly id: number;
  readonly start: number;
  readonly end: number;
  readonly depth: number;
  readonly sums: Float64Array;
  readonly features: Int32Array;
  hist: Float64Array | null;
  split: Split | null;
}

const MIN_GAIN = 1e-12;

/** A final leaf and the rows of the sample it holds: sample[start, end) after growing. */
export interface LeafRows {
  readonly id: number;
  readonly start: number;
  readonly end: number;
}

export function growTree(
  input: GrowInput,
  criterion: SplitCriterion,
  options: GrowOptions,
  width: number,
): { readonly tree: TreeBuilder; readonly leaves: readonly LeafRows[] } {
  const grower = new Grower(input, criterion, options);
  const tree = grower.grow(width);
  return { tree, leaves: grower.leaves };
}

class Grower {
  private readonly stride: number;
  private readonly binStride: number;
  private readonly missingBin: number;
  private readonly pool: Float64Array[] = [];
  private readonly histSize: number;
  private readonly scratch: Int32Array;
  private readonly leafScratch: Float64Array;
  /** Per bin: 1 where the split being applied sends it left. */
  private readonly sideOfBin = new Uint8Array(256);
  private readonly histograms: HistogramBuilder;
  private tree: TreeBuilder | null = null;
  /** Nodes that ended as leaves, with their row ranges in the sample. */
  readonly leaves: LeafRows[] = [];

  constructor(
    private readonly input: GrowInput,
    private readonly criterion: SplitCriterion,
    private readonly options: GrowOptions,
  ) {
    this.stride = criterion.channels + 1;
    this.missingBin = input.bins.bins;
    this.binStride = (this.missingBin + 1) * this.stride;
    const slots = options.featuresPerSplit ?? options.features.length;
    this.histSize = slots * this.binStride;
    this.scratch = new Int32Array(input.sample.length);
    this.leafScratch = new Float64Array(64);
    this.histograms = input.histograms ?? new SerialHistograms();
  }

  grow(width: number): TreeBuilder {
    const tree = new TreeBuilder(width);
    this.tree = tree;
    const rootFeatures = this.drawFeatures();
    const hist = this.buildHist(0, this.input.sample.length, rootFeatures);
    const sums = new Float64Array(this.stride);
    // Every row sits in exactly one bin of each feature, so any feature's bins add up to the node.
    for (let b = 0; b <= this.missingBin; b++) {
      for (let c = 0; c < this.stride; c++) sums[c] = (sums[c] ?? 0) + (hist[b * this.stride + c] ?? 0);
    }
    const root: Node = {
      id: tree.leaf(),
      start: 0,
      end: this.input.sample.length,
      depth: 0,
      sums,
      features: rootFeatures,
      hist,
      split: null,
    };
    this.setLeaf(root);
    const open: Node[] = [];
    this.consider(root, open);
    let leaves = 1;
    while (open.length > 0) {
      // Depth-wise splits every splittable node, so the order does not change the tree; taking
      // the newest first keeps O(depth) histograms alive instead of a whole level of them.
      let pick = open.length - 1;
      if (this.options.growth === 'leaf-wise') {
        pick = 0;
        if (leaves >= this.options.leaves) break;
        for (let i = 1; i < open.length; i++) {
          if ((open[i]?.split?.gain ?? 0) > (open[pick]?.split?.gain ?? 0)) pick = i;
        }
      }
      const node = open.splice(pick, 1)[0];
      if (node === undefined) break;
      this.splitNode(node, open);
      leaves++;
    }
    for (const node of open) this.release(node, true);
    return tree;
  }

  /** Queues the node if it can and should split; otherwise frees its histogram. */
  private consider(node: Node, open: Node[]): void {
    const rows = node.end - node.start;
    if (node.depth < this.options.depth && rows >= 2 * this.options.minLeaf) {
      if (node.hist === null) node.hist = this.buildHist(node.start, node.end, node.features);
      node.split = this.bestSplit(node);
    }
    if (node.split !== null) open.push(node);
    else this.release(node, true);
  }

  private splitNode(node: Node, open: Node[]): void {
    const split = node.split;
    const tree = this.tree;
    if (split === null || tree === null) throw new Error('splitting a node without a split');
    const cuts = this.input.bins.thresholds[split.feature] ?? new Float64Array(0);
    const [leftId, rightId] = tree.split(
      node.id,
      split.feature,
      cuts[split.bin] ?? 0,
      split.bin,
      split.missingLeft,
    );
    const middle = this.partition(node, split);
    const depth = node.depth + 1;
    const canSplit = (rows: number): boolean =>
      depth < this.options.depth && rows >= 2 * this.options.minLeaf;
    const left: Node = {
      id: leftId,
      start: node.start,
      end: middle,
      depth,
      sums: split.left,
      features: this.childFeatures(node),
      hist: null,
      split: null,
    };
    const right: Node = {
      id: rightId,
      start: middle,
      end: node.end,
      depth,
      sums: split.right,
      features: this.childFeatures(node),
      hist: null,
      split: null,
    };
    this.setLeaf(left);
    this.setLeaf(right);
    const parentHist = node.hist;
    node.hist = null;
    if (
      this.options.featuresPerSplit === null &&
      parentHist !== null &&
      (canSplit(middle - node.start) || canSplit(node.end - middle))
    ) {
      // Subtraction: build the smaller child from its rows, the larger is parent - smaller.
      const [small, large] = middle - node.start <= node.end - middle ? [left, right] : [right, left];
      small.hist = this.buildHist(small.start, small.end, small.features);
      for (let i = 0; i < this.histSize; i++) parentHist[i] = (parentHist[i] ?? 0) - (small.hist[i] ?? 0);
      large.hist = parentHist;
    } else if (parentHist !== null) {
      this.pool.push(parentHist);
    }
    this.consider(left, open);
    this.consider(right, open);
  }

  private childFeatures(parent: Node): Int32Array {
    return this.options.featuresPerSplit === null ? parent.features : this.drawFeatures();
  }

  /** All of the tree's features, or a fresh draw of `featuresPerSplit` of them (partial Fisher-Yates). */
  private drawFeatures(): Int32Array {
    const all = this.options.features;
    const k = this.options.featuresPerSplit;
    if (k === null || k >= all.length) return all;
    const pool = Int32Array.from(all);
    for (let i = 0; i < k; i++) {
      const j = this.options.rng.int(i, pool.length);
      const swap = pool[i] ?? 0;
      pool[i] = pool[j] ?? 0;
      pool[j] = swap;
    }
    return pool.subarray(0, k).sort();
  }

  private setLeaf(node: Node): void {
    this.criterion.leaf(node.sums, 0, this.leafScratch);
    this.tree?.setValue(node.id, this.leafScratch);
  }

  private release(node: Node, asLeaf: boolean): void {
    if (asLeaf) this.leaves.push({ id: node.id, start: node.start, end: node.end });
    if (node.hist !== null) this.pool.push(node.hist);
    node.hist = null;
  }

  private buildHist(start: number, end: number, features: Int32Array): Float64Array {
    const hist = this.pool.pop() ?? new Float64Array(this.histSize);
    const { binned, width, values, sample } = this.input;
    this.histograms.build(
      {
        binned,
        width,
        values,
        channels: this.criterion.channels,
        sample,
        start,
        end,
        features,
        binStride: this.binStride,
      },
      hist,
    );
    return hist;
  }

  private bestSplit(node: Node): Split | null {
    const hist = node.hist;
    if (hist === null) return null;
    const stride = this.stride;
    const count = stride - 1;
    const minLeaf = this.options.minLeaf;
    const parentScore = this.criterion.score(node.sums, 0);
    const cumulative = new Float64Array(stride);
    const left = new Float64Array(stride);
    const right = new Float64Array(stride);
    let best: Split | null = null;
    for (let s = 0; s < node.features.length; s++) {
      const feature = node.features[s] ?? 0;
      const cuts = (this.input.bins.thresholds[feature] ?? new Float64Array(0)).length;
      if (cuts === 0) continue;
      const base = s * this.binStride;
      const missing = base + this.missingBin * stride;
      const missingRows = hist[missing + count] ?? 0;
      cumulative.fill(0);
      for (let bin = 0; bin < cuts; bin++) {
        for (let c = 0; c < stride; c++)
          cumulative[c] = (cumulative[c] ?? 0) + (hist[base + bin * stride + c] ?? 0);
        // Missing rows to the right, then (if any were seen) to the left.
        for (let side = 0; side < (missingRows > 0 ? 2 : 1); side++) {
          const missingLeft = side === 1;
          for (let c = 0; c < stride; c++) {
            left[c] = (cumulative[c] ?? 0) + (missingLeft ? (hist[missing + c] ?? 0) : 0);
            right[c] = (node.sums[c] ?? 0) - (left[c] ?? 0);
          }
          if ((left[count] ?? 0) < minLeaf || (right[count] ?? 0) < minLeaf) continue;
          if (!this.criterion.admissible(left, 0) || !this.criterion.admissible(right, 0)) continue;
          const gain = this.criterion.score(left, 0) + this.criterion.score(right, 0) - parentScore;
          if (gain > MIN_GAIN && (best === null || gain > best.gain)) {
            // Unseen missing values follow the bigger side: the likelier guess for a new row.
            const learnedLeft = missingRows > 0 ? missingLeft : (left[count] ?? 0) >= (right[count] ?? 0);
            best = {
              gain,
              slot: s,
              feature,
              bin,
              missingLeft: learnedLeft,
              left: Float64Array.from(left),
              right: Float64Array.from(right),
            };
          }
        }
      }
    }
    return best;
  }

  /*
   * Stable in-place partition of the node's rows; returns where the right side starts. Which
   * side a row goes to is a coin flip for the branch predictor, so the loop has no branch: a
   * row is written to both sides and only its side's cursor moves (a bin -> side table).
   */
  /* eslint-disable @typescript-eslint/no-non-null-assertion */
  private partition(node: Node, split: Split): number {
    const { binned, width, sample } = this.input;
    const scratch = this.scratch;
    const left = this.sideOfBin;
    for (let b = 0; b <= this.missingBin; b++)
      left[b] = (b === this.missingBin ? split.missingLeft : b <= split.bin) ? 1 : 0;
    const feature = split.feature;
    let write = node.start;
    let spilled = 0;
    for (let i = node.start; i < node.end; i++) {
      const r = sample[i]!;
      const goesLeft = left[binned[r * width + feature]!]!;
      // write <= i, so this overwrites only rows already read.
      sample[write] = r;
      scratch[spilled] = r;
      write += goesLeft;
      spilled += 1 - goesLeft;
    }
    sample.set(scratch.subarray(0, spilled), write);
    return write;
  }
  /* eslint-enable @typescript-eslint/no-non-null-assertion */
}
