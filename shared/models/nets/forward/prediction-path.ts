// The words the Signals view shows for how a live model computes its predictions. Kept apart
// from the forward pass so a caller can name the path without importing TensorFlow.js.

/** A network predicting through the plain forward pass (forward-pass.ts). */
export const PLAIN_FORWARD_PASS = 'plain forward pass';
/** Trees and stacking ensembles: their own TypeScript, no network at all. */
export const PLAIN_TYPESCRIPT = 'plain TypeScript';
/** A network predicting through TensorFlow.js on `backend` (a layer the plain pass lacks). */
export const tfjsPath = (backend: string): string => `tfjs ${backend}`;
