import type { ClientTransport } from '../../shared/api/client.js';
import type { ClientMessage, HostMessage } from '../../shared/api/protocol.js';
import type { HostConnection } from './api-server.js';

/**
 * A client and a host connection joined in memory. Messages are structured-cloned and
 * delivered on a later microtask, as a real process boundary would: no shared objects,
 * no synchronous re-entry. Used by tests and by in-process tools (CLI, benchmarks).
 */
export function createMemoryPair(): {
  client: ClientTransport;
  host: HostConnection;
  close(reason: string): void;
} {
  const toHost: ((message: unknown) => void)[] = [];
  const toClient: ((message: unknown) => void)[] = [];
  const hostClosed: (() => void)[] = [];
  const clientClosed: ((reason: string) => void)[] = [];
  let closed = false;

  const deliver = (listeners: ((message: unknown) => void)[], message: unknown): void => {
    if (closed) return;
    const copy = structuredClone(message);
    queueMicrotask(() => {
      if (!closed) for (const listener of listeners) listener(copy);
    });
  };

  return {
    client: {
      send: (message: ClientMessage) => {
        deliver(toHost, message);
      },
      onMessage: (listener) => toClient.push(listener),
      onClose: (listener) => clientClosed.push(listener),
    },
    host: {
      send: (message: HostMessage) => {
        deliver(toClient, message);
      },
      onMessage: (listener) => toHost.push(listener),
      onClose: (listener) => hostClosed.push(listener),
    },
    close(reason) {
      if (closed) return;
      closed = true;
      for (const listener of hostClosed) listener();
      for (const listener of clientClosed) listener(reason);
    },
  };
}
