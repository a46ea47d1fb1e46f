import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  runTraining,
  TrainingStopped,
  TrainingThreadPool,
  type TrainingThreads,
} from '../../main/models/training-runner.js';
import { backtestCostsSchema } from '../../shared/api/domains/backtests.js';
import { modelParamsSchema } from '../../shared/models/model.js';
import type { TrainRequest } from '../../shared/models/training-protocol.js';

const entry = pathToFileURL(path.resolve(import.meta.dirname, '../../dist/worker/training.js'));

/** 300 rows whose label is the sign of the second column (prices move 1% its way over 2 rows). */
function request(trees = 10): { request: TrainRequest; transfer: ArrayBuffer[] } {
  const rows = 300;
  const ts = Float64Array.from({ length: rows }, (_, i) => i * 1_000);
  const values = new Float64Array(rows * 2);
  const prices = new Float64Array(rows).fill(100);
  for (let i = 0; i < rows; i++) {
    values[i * 2] = i;
    values[i * 2 + 1] = Math.sin(i * 1.3);
    if (i + 2 < rows) prices[i + 2] = (prices[i] ?? 100) * (Math.sin(i * 1.3) > 0 ? 1.01 : 0.99);
  }
  return {
    request: {
      params: modelParamsSchema.parse({ kind: 'gbdt', trees, depth: 2, minLeaf: 5, patience: 0 }),
      validation: { scheme: 'walk-forward', folds: 2, embargo: 0, anchored: false },
      normalization: 'zscore',
      dataset: {
        columns: ['index', 'signal'],
        ts: ts.buffer,
        values: values.buffer,
        prices: prices.buffer,
        label: { kind: 'fixed-horizon', horizon: 2, threshold: 0 },
      },
      candles: null,
      costs: backtestCostsSchema.parse({}),
      finalFit: true,
    },
    transfer: [ts.buffer, values.buffer, prices.buffer],
  };
}

/** A pool that notes which threads it hands out and how they come back. */
function watched(pool: TrainingThreadPool): TrainingThreads & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    take: () => {
      const worker = pool.take();
      log.push(`take ${worker.threadId}`);
      return worker;
    },
    give: (worker: Worker, clean: boolean) => {
      log.push(`give ${worker.threadId} ${clean ? 'clean' : 'ended'}`);
      pool.give(worker, clean);
    },
  };
}

describe('training worker threads', () => {
  it('keeps a thread between clean runs and ends one whose run was pruned', async () => {
    const pool = new TrainingThreadPool(entry);
    const threads = watched(pool);
    try {
      const first = request();
      const a = await runTraining(threads, first.request, first.transfer);
      const second = request();
      const b = await runTraining(threads, second.request, second.transfer);
      expect(a.folds).toHaveLength(2);
      expect(b.artifact?.format).toBe('json');
      // The final fit is the same model both times: the worker kept no state between runs.
      expect(b.artifact).toEqual(a.artifact);
      const third = request(500);
      await expect(
        runTraining(threads, third.request, third.transfer, {
          onStep: (step) => (step.step === 3 ? 'stop' : undefined),
        }),
      ).rejects.toEqual(new TrainingStopped('pruned'));
      const fourth = request();
      await runTraining(threads, fourth.request, fourth.transfer);
      const [t1, , , , , , t2] = threads.log.map((line) => line.split(' ')[1]);
      expect(threads.log).toEqual([
        `take ${t1}`,
        `give ${t1} clean`,
        `take ${t1}`,
        `give ${t1} clean`,
        `take ${t1}`,
        `give ${t1} ended`,
        `take ${t2}`,
        `give ${t2} clean`,
      ]);
      expect(t2).not.toBe(t1);
    } finally {
      pool.close();
    }
  });

  it('ends the thread on cancel and reports the worker’s own error for a bad request', async () => {
    const pool = new TrainingThreadPool(entry);
    try {
      const controller = new AbortController();
      const long = request(5000);
      const cancelled = runTraining(pool, long.request, long.transfer, {
        signal: controller.signal,
        onStep: (step) => {
          if (step.step === 2) controller.abort();
          return undefined;
        },
      });
      await expect(cancelled).rejects.toEqual(new TrainingStopped('cancelled'));
      const bad = request();
      const prices = new Float64Array(10).buffer;
      await expect(
        runTraining(pool, { ...bad.request, dataset: { ...bad.request.dataset, prices } }, [prices]),
      ).rejects.toThrow(/rows, values and prices disagree/);
    } finally {
      pool.close();
    }
  });
});
