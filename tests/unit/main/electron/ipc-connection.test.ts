import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { serveConnection } from '../../../../main/host/api-server.js';
import {
  API_CHANNEL,
  ipcConnection,
  type IpcEventLike,
  type IpcMainLike,
  type WebContentsLike,
} from '../../../../main/electron/ipc-connection.js';
import { echoApi } from '../../../fixtures/echo-api.js';

/** Electron's ipcMain and a window's webContents, reduced to what the connection touches. */
class FakeWebContents extends EventEmitter implements WebContentsLike {
  readonly sent: unknown[] = [];
  destroyed = false;
  send(channel: string, message: unknown): void {
    if (channel === API_CHANNEL) this.sent.push(message);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('destroyed');
  }
}

function setup() {
  const ipcMain = new EventEmitter() as EventEmitter & IpcMainLike;
  const window = new FakeWebContents();
  const refused: string[] = [];
  serveConnection(
    echoApi(),
    ipcConnection(ipcMain, window, 'app://workstation', (line) => refused.push(line)),
  );
  const fromFrame =
    (url: string | null, sender: unknown = window) =>
    (message: unknown) => {
      const event: IpcEventLike = { sender, senderFrame: url === null ? null : { url } };
      ipcMain.emit(API_CHANNEL, event, message);
    };
  return { ipcMain, window, refused, fromFrame };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('ipc connection', () => {
  it('serves calls from the window loaded from the app origin', async () => {
    const { window, fromFrame } = setup();
    fromFrame('app://workstation/index.html')({ type: 'call', id: 1, command: 'markets.list', params: {} });
    await settle();
    expect(window.sent).toMatchObject([
      { type: 'result', id: 1, ok: true, value: [{ id: 'demo:DEMO/USD' }] },
    ]);
  });

  it('refuses messages from a frame of another origin and says so', async () => {
    const { window, refused, fromFrame } = setup();
    fromFrame('https://evil.example/')({ type: 'call', id: 1, command: 'markets.list', params: {} });
    fromFrame(null)({ type: 'call', id: 2, command: 'markets.list', params: {} });
    await settle();
    expect(window.sent).toEqual([]);
    expect(refused).toEqual([
      'ipc: refused a message from https://evil.example/',
      'ipc: refused a message from a detached frame',
    ]);
  });

  it('refuses a look-alike origin that only shares the prefix', async () => {
    const { window, refused, fromFrame } = setup();
    fromFrame('app://workstation.evil/index.html')({ type: 'call', id: 1, command: 'app.info', params: {} });
    fromFrame('app://workstation@evil/index.html')({ type: 'call', id: 2, command: 'app.info', params: {} });
    await settle();
    expect(window.sent).toEqual([]);
    expect(refused).toEqual([
      'ipc: refused a message from app://workstation.evil/index.html',
      'ipc: refused a message from app://workstation@evil/index.html',
    ]);
  });

  it('ignores traffic of other windows', async () => {
    const { window, refused, fromFrame } = setup();
    fromFrame(
      'app://workstation/index.html',
      new FakeWebContents(),
    )({ type: 'call', id: 1, command: 'app.info', params: {} });
    await settle();
    expect(window.sent).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('stops listening when the window is destroyed', () => {
    const { ipcMain, window } = setup();
    expect(ipcMain.listenerCount(API_CHANNEL)).toBe(1);
    window.destroy();
    expect(ipcMain.listenerCount(API_CHANNEL)).toBe(0);
  });
});
