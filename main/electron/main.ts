// The Electron shell: one window on the same App the headless host serves. Everything here
// is about the window and its security; the App itself is built by main/host.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, protocol, session, shell } from 'electron';
import { APP_VERSION } from '../build-info.js';
import { createApp, type App } from '../host/app.js';
import { serveConnection } from '../host/api-server.js';
import { ensureDataDir, resolveDataDir } from '../storage/data-folder.js';
import { ipcConnection } from './ipc-connection.js';
import { SafeStorageSecretStore } from './safe-storage-secret-store.js';

const SCHEME = 'app';
const ORIGIN = `${SCHEME}://workstation`;
const here = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.resolve(here, '../../renderer');
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'";

protocol.registerSchemesAsPrivileged([
  { scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/** Serves the built renderer from app://workstation/, never a file outside it. */
function serveRenderer(): void {
  protocol.handle(SCHEME, async (request) => {
    const { pathname } = new URL(request.url);
    const file = path.resolve(
      rendererDir,
      '.' + (pathname === '/' ? '/index.html' : decodeURIComponent(pathname)),
    );
    if (!file.startsWith(rendererDir + path.sep)) return new Response('forbidden', { status: 403 });
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: {
          'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
          'content-security-policy': CSP,
        },
      });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
}

/** better-sqlite3 built for Electron's ABI (main/scripts/native.mjs), unpacked beside the asar. */
function electronSqliteBinding(): string {
  const appRoot = app.getAppPath().replace(/app\.asar$/, 'app.asar.unpacked');
  return path.join(appRoot, 'native', 'electron', process.versions.electron, 'better_sqlite3.node');
}

function createWindow(workstation: App): void {
  const window = new BrowserWindow({
    width: 1480,
    height: 920,
    backgroundColor: '#0d1117',
    title: 'Trading Workstation',
    webPreferences: {
      preload: path.join(here, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  const contents = window.webContents;
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(ORIGIN)) event.preventDefault();
  });
  serveConnection(
    workstation,
    ipcConnection(ipcMain, contents, ORIGIN, (line) => {
      console.warn(line);
    }),
    {
      log: (line) => {
        console.error(line);
      },
    },
  );
  void window.loadURL(`${ORIGIN}/index.html`);
}

async function start(): Promise<void> {
  await app.whenReady();
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => {
    callback(false);
  });
  serveRenderer();

  const dataDir = resolveDataDir({
    argv: process.argv.slice(1),
    env: process.env,
    platform: process.platform,
    homedir: homedir(),
  });
  ensureDataDir(dataDir);
  const workstation = createApp({
    dataDir,
    version: APP_VERSION,
    transport: 'ipc',
    workerEntry: new URL('../../worker/features.js', import.meta.url),
    nativeBinding: electronSqliteBinding(),
    secrets: new SafeStorageSecretStore(path.join(dataDir, 'exchange-keys.safe-storage')),
    log: (line) => {
      console.error(line);
    },
  });

  createWindow(workstation);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow(workstation);
  });
  app.on('window-all-closed', () => {
    void workstation.stop().then(() => {
      app.quit();
    });
  });
}

start().catch((error: unknown) => {
  console.error(`workstation: ${error instanceof Error ? error.message : String(error)}`);
  app.exit(1);
});
