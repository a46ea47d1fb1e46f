import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { boundariesPlugin } from '../../../eslint.boundaries.js';

const root = path.resolve(import.meta.dirname, '../../..');

const eslint = new ESLint({
  cwd: root,
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ['**/*.ts'],
      languageOptions: { ecmaVersion: 'latest', sourceType: 'module' },
      plugins: { workstation: boundariesPlugin },
      rules: { 'workstation/process-boundaries': ['error', { root }] },
    },
  ],
});

/** Lints one line of code as if it lived at `file` and returns the rule's messages. */
async function violations(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).map((m) => m.message);
}

describe('process boundaries lint rule', () => {
  it('lets every process import shared/', async () => {
    for (const folder of ['main', 'renderer', 'worker', 'shared']) {
      expect(
        await violations(`${folder}/a/x.ts`, "import { commands } from '../../shared/api/contract.js';"),
      ).toEqual([]);
    }
  });

  it('forbids the renderer from importing main/ or worker/', async () => {
    expect(
      await violations('renderer/src/x.ts', "import { createApp } from '../../main/host/app.js';"),
    ).toEqual(['renderer/ may not import from main/: only shared/ is common ground between processes.']);
    expect(await violations('renderer/src/x.ts', "export * from '../../worker/features.js';")).toHaveLength(
      1,
    );
  });

  it('forbids main/ and worker/ from importing each other or the renderer', async () => {
    expect(await violations('main/host/x.ts', "import '../../renderer/src/main.js';")).toHaveLength(1);
    expect(await violations('main/host/x.ts', "import '../../worker/features.js';")).toHaveLength(1);
    expect(await violations('worker/x.ts', "import { createApp } from '../main/host/app.js';")).toHaveLength(
      1,
    );
  });

  it('keeps dependencies inside main/ pointing down to main/api/, never up to main/host/', async () => {
    expect(
      await violations('main/trading/x.ts', "import { CommandHandlers } from '../host/api-handlers.js';"),
    ).toEqual([
      'main/trading/ may not import main/host/: domain modules depend on main/api/, only the composition roots wire them in main/host/.',
    ]);
    expect(
      await violations('main/models/live/x.ts', "import { Fanout } from '../../host/fanout.js';"),
    ).toHaveLength(1);
    expect(
      await violations('main/trading/x.ts', "import { CommandHandlers } from '../api/handlers.js';"),
    ).toEqual([]);
    expect(await violations('main/electron/x.ts', "import { createApp } from '../host/app.js';")).toEqual([]);
    expect(
      await violations('main/cli/x.ts', "import { LivePipeline } from '../host/live-pipeline.js';"),
    ).toEqual([]);
    expect(await violations('main/serve.ts', "import { createApp } from './host/app.js';")).toEqual([]);
  });

  it('keeps shared/ free of Node, DOM and Electron', async () => {
    expect(await violations('shared/x.ts', "import { readFileSync } from 'node:fs';")).toEqual([
      "'node:fs' is not allowed here: shared/ must run in every process: no Node built-ins.",
    ]);
    expect(await violations('shared/x.ts', "import path from 'path';")).toHaveLength(1);
    expect(await violations('shared/x.ts', "import { app } from 'electron';")).toHaveLength(1);
    expect(await violations('shared/x.ts', "import { useState } from 'react';")).toHaveLength(1);
    expect(await violations('shared/x.ts', "import { z } from 'zod';")).toEqual([]);
    expect(await violations('shared/x.ts', "import '../main/host/app.js';")).toHaveLength(1);
  });

  it('keeps Node and Electron out of the untrusted renderer', async () => {
    expect(await violations('renderer/src/x.ts', "import { ipcRenderer } from 'electron';")).toHaveLength(1);
    expect(await violations('renderer/src/x.ts', "const fs = await import('node:fs');")).toHaveLength(1);
    expect(await violations('renderer/src/x.ts', "import Database from 'better-sqlite3';")).toHaveLength(1);
    expect(await violations('renderer/src/x.ts', "import { create } from 'zustand';")).toEqual([]);
  });

  it('lets workers use Node but not Electron', async () => {
    expect(await violations('worker/x.ts', "import { parentPort } from 'node:worker_threads';")).toEqual([]);
    expect(await violations('worker/x.ts', "import { app } from 'electron';")).toHaveLength(1);
  });
});
