// The only bridge between the sandboxed renderer and the App: three functions carrying API
// envelopes. No Electron or Node object crosses; the host parses everything it receives.
import { contextBridge, ipcRenderer } from 'electron';
import type { ClientTransport } from '../../shared/api/client.js';
import type { ClientMessage } from '../../shared/api/protocol.js';
import { API_CHANNEL } from './ipc-connection.js';

const bridge = {
  send(message: ClientMessage): void {
    ipcRenderer.send(API_CHANNEL, message);
  },
  onMessage(listener: (message: unknown) => void): void {
    ipcRenderer.on(API_CHANNEL, (_event, message: unknown) => {
      listener(message);
    });
  },
  onClose(_listener: (reason: string) => void): void {
    // The IPC channel lives as long as the window; there is no close to report.
  },
} satisfies ClientTransport;

contextBridge.exposeInMainWorld('workstation', bridge);
