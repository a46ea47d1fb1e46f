// The Electron shell: one window on the same App the headless host serves. Everything here
// is about the window and its security; the App itself is built by main/host.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, protocol, session, shell, type WebContents } from 'electron';
import { APP_VERSION } from '../build-info.js';
import { createApp, type App } from '../host/app.js';
import { serveConnection } from '../host/api-server.js';
import { ensureDataDir, resolveDataDir } from '../storage/data-folder.js';
import { contentSecurityPolicy } from '../transport/http-guards.js';
import { ipcConnection } from './ipc-connection.js';
import { SafeStorageSecretStore } from './safe-storage-secret-store.js';
import {
  APP_ORIGIN,
  APP_SCHEME,
  appRequestTarget,
  devToolsAllowed,
  externalLinkAllowed,
  navigationAllowed,
  permissionGranted,
} from './window-policy.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.resolve(here, '../../renderer');
// The window talks to the App over IPC only: no network source at all beyond its own files.
const CSP = contentSecurityPolicy([]);

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
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

/** Serves the built renderer from app://workstation/ (that host only), never a file outside it. */
function serveRenderer(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const target = appRequestTarget(rendererDir, request.url);
    if (target.kind === 'refused') return new Response(target.message, { status: target.status });
    try {
      const body = await readFile(target.file);
      return new Response(body, {
        headers: {
          'content-type': MIME[path.extname(target.file)] ?? 'application/octet-stream',
          'content-security-policy': CSP,
          'x-content-type-options': 'nosniff',
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
      webviewTag: false,
      devTools: devToolsAllowed(app.isPackaged),
      spellcheck: false,
    },
  });
  const contents = window.webContents;
  serveConnection(
    workstation,
    ipcConnection(ipcMain, contents, APP_ORIGIN, (line) => {
      workstation.log(line);
    }),
    { log: workstation.log, redact: workstation.redact },
  );
  void window.loadURL(`${APP_ORIGIN}/index.html`);
}

/**
 * Every web contents (the window, and anything a bug might create) stays on the app's page:
 * navigations and redirects elsewhere stop, no <webview> attaches, new windows are refused
 * and only allow-listed https links go to the user's browser.
 */
function guardContents(contents: WebContents): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (externalLinkAllowed(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (!navigationAllowed(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!navigationAllowed(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
}

async function start(): Promise<void> {
  app.on('web-contents-created', (_event, contents) => {
    guardContents(contents);
  });
  await app.whenReady();
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) => {
    callback(permissionGranted(permission));
  });
  session.defaultSession.setPermissionCheckHandler((_contents, permission) => permissionGranted(permission));
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
