import type { ClientMessage } from '../../../shared/api/protocol.js';

/**
 * What the Electron preload exposes on `window.workstation`: functions only, no Node or
 * Electron objects (contextIsolation + sandbox). It mirrors the client's transport contract.
 */
export interface WorkstationBridge {
  send(message: ClientMessage): void;
  onMessage(listener: (message: unknown) => void): void;
  onClose(listener: (reason: string) => void): void;
}

declare global {
  interface Window {
    /** Present only inside the Electron window; absent in a plain browser. */
    readonly workstation?: WorkstationBridge;
  }
}
