export {
  buildNetwork,
  isNetKind,
  NET_KINDS,
  type NetKind,
  type NetParams,
  type NetShape,
} from './architectures.js';
export { focalLoss } from './losses.js';
export {
  loadNetwork,
  NetworkModel,
  networkMetaSchema,
  untrainedNetwork,
  type NetworkMeta,
} from './network-model.js';
export { usableRows, type SequenceData } from './sequences.js';
export {
  trainNetwork,
  TrainedNetwork,
  type NetworkTrainingReport,
  type NetworkTrainOptions,
} from './train.js';
