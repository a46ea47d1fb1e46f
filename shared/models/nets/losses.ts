import * as tf from '@tensorflow/tfjs';

/** Probabilities are clipped away from 0 so log() stays finite. */
const EPSILON = 1e-7;

/**
 * Focal loss (Lin et al. 2017) per sample: -sum_c y_c (1 - p_c)^gamma log p_c. It down-weights
 * rows the network already gets right, so rare classes are not drowned by the easy majority;
 * gamma = 0 is plain cross-entropy. Class weights come on top as tfjs classWeight.
 */
export function focalLoss(gamma: number): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor {
  const loss = (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      const p = tf.clipByValue(yPred, EPSILON, 1 - EPSILON);
      const modulation = gamma === 0 ? tf.onesLike(p) : tf.pow(tf.sub(1, p), gamma);
      return tf.neg(tf.sum(tf.mul(yTrue, tf.mul(modulation, tf.log(p))), -1));
    });
  return loss;
}
