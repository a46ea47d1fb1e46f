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
  const app = createApp({
    dataDir,
    version: APP_VERSION,
    transport: 'websocket',
    workerEntry: new URL('../worker/features.js', import.meta.url),
    log: (line) => void process.stderr.write(`${line}\n`),
  });
  // From here on every line goes through the App's redacting log.
  const log = app.log;
  keepServingAfterStrayErrors(log);
  const server = await startHeadlessServer({
    api: app,
    port,
    token: randomBytes(16).toString('hex'),
    staticDir: fileURLToPath(new URL('../renderer/', import.meta.url)),
    log,
    redact: app.redact,
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

/**
 * The last resort: an exception no handler caught (a bug, or input nobody foresaw) is logged
 * and the host keeps serving. Exiting would drop the recorder's unflushed batch and every
 * connected window for one bad request; every request path answers its own errors, so
 * anything reaching here is a bug to fix from the log, not a reason to stop recording.
 */
function keepServingAfterStrayErrors(log: (line: string) => void): void {
  process.on('uncaughtException', (error) => {
    log(`uncaught exception (host keeps running): ${error.stack ?? error.message}`);
  });
  process.on('unhandledRejection', (reason) => {
    log(
      `unhandled rejection (host keeps running): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
    );
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`serve: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
  process.exit(1);
});
