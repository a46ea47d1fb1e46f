import type { HostMessage } from '../../shared/api/protocol.js';
import type { HostConnection } from '../host/api-server.js';
import { isSameOrigin } from './window-policy.js';

/** The one IPC channel the API travels on, both ways. */
export const API_CHANNEL = 'workstation:api';

/** The slice of Electron's IpcMainEvent this module reads (kept small so tests need no Electron). */
export interface IpcEventLike {
  readonly sender: unknown;
  readonly senderFrame: { readonly url: string } | null;
}

export interface IpcMainLike {
  on(channel: string, listener: (event: IpcEventLike, message: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: IpcEventLike, message: unknown) => void): unknown;
}

export interface WebContentsLike {
  send(channel: string, message: unknown): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
}

/**
 * The host side of the IPC transport for one window. Only messages from that window's
 * own web contents, from a frame loaded from the app's origin, are heard: a sender check
 * on every message, since any frame can call ipcRenderer.send if it ever gets the chance.
 */
export function ipcConnection(
  ipcMain: IpcMainLike,
  contents: WebContentsLike,
  trustedOrigin: string,
  onRefused: (reason: string) => void = () => undefined,
): HostConnection {
  const messageListeners: ((message: unknown) => void)[] = [];
  const closeListeners: (() => void)[] = [];

  const receive = (event: IpcEventLike, message: unknown): void => {
    if (event.sender !== contents) return; // Another window's traffic; its own connection hears it.
    const url = event.senderFrame?.url ?? '';
    if (!isSameOrigin(url, trustedOrigin)) {
      onRefused(`ipc: refused a message from ${url === '' ? 'a detached frame' : url}`);
      return;
    }
    for (const listener of messageListeners) listener(message);
  };
  ipcMain.on(API_CHANNEL, receive);

  contents.once('destroyed', () => {
    ipcMain.removeListener(API_CHANNEL, receive);
    for (const listener of closeListeners) listener();
  });

  return {
    send(message: HostMessage) {
      if (!contents.isDestroyed()) contents.send(API_CHANNEL, message);
    },
    onMessage(listener) {
      messageListeners.push(listener);
    },
    onClose(listener) {
      closeListeners.push(listener);
    },
  };
}
