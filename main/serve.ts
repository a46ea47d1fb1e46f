// The headless host: the same App as the Electron window, its renderer served on
// 127.0.0.1 and its API on a token-guarded WebSocket. The first line printed is the URL.
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { APP_VERSION } from './build-info.js';
import { createApp } from './host/app.js';
import { ensureDataDir, resolveDataDir } from './storage/data-folder.js';
import { startHeadlessServer } from './transport/websocket-host.js';

const USAGE = 'usage: npm run serve -- [--port <n>] [--data-dir <dir>]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      port: { type: 'string', default: '0' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0..65535, got '${values.port}'`);

  const dataDir = resolveDataDir({
    argv: process.argv.slice(2),
    env: process.env,
    platform: process.platform,
    homedir: homedir(),
  });
  ensureDataDir(dataDir);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);

  const app = createApp({
    dataDir,
    version: APP_VERSION,
    transport: 'websocket',
    workerEntry: new URL('../worker/features.js', import.meta.url),
    log,
  });
  const server = await startHeadlessServer({
    api: app,
    port,
    token: randomBytes(16).toString('hex'),
    staticDir: fileURLToPath(new URL('../renderer/', import.meta.url)),
    log,
  });
  process.stdout.write(`${server.url}\n`);
  log(`Trading Workstation ${APP_VERSION}: demo market live, data in ${dataDir}. Ctrl+C stops.`);

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: saving and stopping...`);
    void Promise.all([server.close(), app.stop()]).then(
      () => process.exit(0),
      (error: unknown) => {
        log(`stop failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => {
    shutdown('SIGINT');
  });
  process.on('SIGTERM', () => {
    shutdown('SIGTERM');
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`serve: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
  process.exit(1);
});
