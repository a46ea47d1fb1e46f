import { useModels } from '../../stores/context.js';

/**
 * The TensorFlow.js backend the workers loaded (the tooltip says why the better ones did not),
 * the GPU it runs on for webgpu, and the cores the tree learners build histograms on.
 */
export function BackendBadge() {
  const backend = useModels((state) => state.backend);
  const problem = useModels((state) => state.backendProblem);
  if (backend === null)
    return (
      <span className="training-backend" data-testid="backend" title={problem ?? undefined}>
        backend <b data-testid="backend-name">{problem === null ? '…' : 'unknown'}</b>
      </span>
    );
  const flags = [
    backend.simd === null ? null : `SIMD ${backend.simd ? 'on' : 'off'}`,
    backend.threads === null ? null : `threads ${backend.threads ? 'on' : 'off'}`,
  ].filter((flag) => flag !== null);
  const skipped = backend.skipped.map((s) => `${s.name}: ${s.reason}`).join('\n');
  return (
    <span
      className="training-backend"
      data-testid="backend"
      title={skipped === '' ? 'the best backend loaded' : `Skipped:\n${skipped}`}
    >
      TensorFlow.js {backend.version} · backend <b data-testid="backend-name">{backend.name}</b>
      {flags.length === 0 ? null : <span className="muted"> · {flags.join(' · ')}</span>}
      {backend.gpu === undefined ? null : (
        // A software adapter is a CPU posing as a GPU: say so, it is slower than wasm.
        <span className="muted" data-testid="backend-gpu">
          {' '}
          · on {backend.gpu.name}
          {backend.gpu.software ? ' (software adapter, not a GPU)' : ''}
        </span>
      )}
      {backend.treeThreads === undefined ? null : (
        <span className="muted" data-testid="tree-threads">
          {' '}
          · trees on {backend.treeThreads} {backend.treeThreads === 1 ? 'core' : 'cores'}
        </span>
      )}
      {backend.skipped.length === 0 ? null : (
        <span className="muted" data-testid="backend-skipped">
          {' '}
          · {backend.skipped.length} skipped
        </span>
      )}
    </span>
  );
}
