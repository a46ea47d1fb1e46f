import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import type { HistogramJob } from '../shared/models/trees/histogram.js';
import { Slot, takeBlocks, type SharedArrayMessage } from './models/histogram-protocol.js';

/**
 * A histogram helper thread of ThreadedHistograms (worker/models/histogram-threads.ts): sleeps
 * on the control array and builds row blocks of each published job it wakes in time for. It never
 * returns to its event loop while running, so shared arrays arrive by receiveMessageOnPort.
 */

interface HelperData {
  readonly control: SharedArrayBuffer;
  readonly arrays: MessagePort;
}

function isHelperData(data: unknown): data is HelperData {
  return (
    typeof data === 'object' &&
    data !== null &&
    'control' in data &&
    data.control instanceof SharedArrayBuffer &&
    'arrays' in data
  );
}

if (!isHelperData(workerData)) throw new Error('tree-histograms: started without its control array');
const { arrays } = workerData;
const control = new Int32Array(workerData.control);
const buffers = new Map<number, SharedArrayBuffer>();

/** Applies every queued registration and release, in the order the builder sent them. */
function drain(): void {
  for (
    let received = receiveMessageOnPort(arrays);
    received !== undefined;
    received = receiveMessageOnPort(arrays)
  ) {
    const message = received.message as SharedArrayMessage;
    if (message.type === 'add') buffers.set(message.id, message.buffer);
    else buffers.delete(message.id);
  }
}

function buffer(slot: number, what: string): SharedArrayBuffer {
  const id = control[slot] ?? 0;
  const found = buffers.get(id);
  if (found === undefined) throw new Error(`tree-histograms: ${what} (array ${id}) never arrived`);
  return found;
}

// Read before counting in: the builder publishes no job until every helper is in.
let seen = Atomics.load(control, Slot.Generation);
Atomics.add(control, Slot.Ready, 1);
Atomics.notify(control, Slot.Ready);
for (;;) {
  Atomics.wait(control, Slot.Generation, seen);
  seen = Atomics.load(control, Slot.Generation);
  if (Atomics.load(control, Slot.Stop) === 1) break;
  Atomics.add(control, Slot.Active, 1);
  // A job already finished (or not yet fully written) is left alone.
  if (Atomics.load(control, Slot.OpenGen) === seen) {
    drain();
    const get = (slot: number): number => control[slot] ?? 0;
    const job: HistogramJob = {
      binned: new Uint8Array(buffer(Slot.BinnedId, 'binned rows'), get(Slot.BinnedOffset)),
      width: get(Slot.Width),
      values: new Float64Array(buffer(Slot.ValuesId, 'row values'), get(Slot.ValuesOffset) * 8),
      channels: get(Slot.Channels),
      sample: new Int32Array(buffer(Slot.SampleId, 'sample'), get(Slot.SampleOffset) * 4),
      start: get(Slot.Start),
      end: get(Slot.End),
      features: new Int32Array(buffer(Slot.FeaturesId, 'features'), 0, get(Slot.FeatureCount)),
      binStride: get(Slot.BinStride),
    };
    takeBlocks(control, job, new Float64Array(buffer(Slot.HistsId, 'block histograms')));
  }
  Atomics.sub(control, Slot.Active, 1);
  Atomics.notify(control, Slot.Active);
}
