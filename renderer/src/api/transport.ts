import type { ClientTransport } from '../../../shared/api/client.js';
import type { ClientMessage } from '../../../shared/api/protocol.js';
import type { WorkstationBridge } from './bridge.js';

/** Where a browser page finds the headless host: same origin, `/api`, the page's own token. */
export interface HostAddress {
  readonly url: string;
  /** The page URL carried no `token` parameter, so the host will refuse the socket. */
  readonly missingToken: boolean;
}

export function hostAddressFor(location: Pick<Location, 'protocol' | 'host' | 'search'>): HostAddress {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return {
    url: `${scheme}://${location.host}/api?token=${encodeURIComponent(token)}`,
    missingToken: token === '',
  };
}

/** The Electron preload already speaks the transport contract; only listener fan-out is added. */
export function createBridgeTransport(bridge: WorkstationBridge): ClientTransport {
  return {
    send: (message) => {
      bridge.send(message);
    },
    onMessage: (listener) => {
      bridge.onMessage(listener);
    },
    onClose: (listener) => {
      bridge.onClose(listener);
    },
  };
}

/**
 * JSON text frames over one WebSocket. Sends made before the socket opens are queued, and the
 * close reason says what the user can do about it: a socket that never opened almost always
 * means the host refused the token or is not running.
 */
export function createWebSocketTransport(address: HostAddress): ClientTransport {
  const messageListeners: ((message: unknown) => void)[] = [];
  const closeListeners: ((reason: string) => void)[] = [];
  const queue: string[] = [];
  let opened = false;
  let closed = false;
  /** The last `{type: 'error'}` the host sent (e.g. `unauthorized`), the best close reason. */
  let complaint: HostComplaint | null = null;

  let socket: WebSocket;
  try {
    socket = new WebSocket(address.url);
  } catch (error: unknown) {
    // A malformed address or a CSP refusal throws here instead of closing later.
    const why = error instanceof Error ? error.message : String(error);
    return closedTransport(`Could not open a connection to the workstation host: ${why}`);
  }

  socket.addEventListener('open', () => {
    opened = true;
    for (const frame of queue) socket.send(frame);
    queue.length = 0;
  });

  socket.addEventListener('message', (event: MessageEvent) => {
    if (typeof event.data !== 'string') return;
    let message: unknown;
    try {
      message = JSON.parse(event.data);
    } catch {
      return; // The client parses envelopes; a frame that is not JSON is not one.
    }
    complaint = hostComplaint(message) ?? complaint;
    for (const listener of messageListeners) listener(message);
  });

  socket.addEventListener('close', (event: CloseEvent) => {
    if (closed) return;
    closed = true;
    queue.length = 0;
    const reason = closeReason(address, opened, event, complaint);
    for (const listener of closeListeners) listener(reason);
  });

  return {
    send: (message: ClientMessage) => {
      if (closed) return;
      const frame = JSON.stringify(message);
      if (opened) socket.send(frame);
      else queue.push(frame);
    },
    onMessage: (listener) => {
      messageListeners.push(listener);
    },
    onClose: (listener) => {
      closeListeners.push(listener);
    },
  };
}

/** A transport that was never open: it only tells its close listener why. */
function closedTransport(reason: string): ClientTransport {
  return {
    send: () => undefined,
    onMessage: () => undefined,
    onClose: (listener) => {
      queueMicrotask(() => {
        listener(reason);
      });
    },
  };
}

/** The preload bridge inside Electron, otherwise a WebSocket to the headless host. */
export function chooseTransport(): ClientTransport {
  if (window.workstation !== undefined) return createBridgeTransport(window.workstation);
  return createWebSocketTransport(hostAddressFor(window.location));
}

/** What the host said in a `{type: 'error'}` envelope, e.g. why it refused the token. */
interface HostComplaint {
  readonly kind: string;
  readonly message: string;
}

function hostComplaint(message: unknown): HostComplaint | null {
  if (typeof message !== 'object' || message === null) return null;
  if (!('type' in message) || message.type !== 'error') return null;
  if (!('error' in message) || typeof message.error !== 'object' || message.error === null) return null;
  const error = message.error;
  return {
    kind: 'kind' in error && typeof error.kind === 'string' ? error.kind : 'error',
    message: 'message' in error && typeof error.message === 'string' ? error.message : '',
  };
}

/** The host closes a refused socket with 4401 (main/transport/websocket-host.ts). */
const CLOSE_UNAUTHORIZED = 4401;

function closeReason(
  address: HostAddress,
  opened: boolean,
  event: CloseEvent,
  complaint: HostComplaint | null,
): string {
  if (event.code === CLOSE_UNAUTHORIZED || complaint?.kind === 'unauthorized') {
    if (address.missingToken) {
      return 'The workstation host refused this page: its URL has no access token. Open the exact URL the host printed (…/?token=…).';
    }
    const why =
      complaint !== null && complaint.message !== '' ? complaint.message : 'bad or missing access token';
    return `The workstation host refused the connection: ${why}. The token may be mistyped or from an earlier run of the host.`;
  }
  if (!opened) {
    return 'Could not reach the workstation host. It may have stopped, or this page is not the URL it printed.';
  }
  const said = event.reason !== '' ? event.reason : complaint === null ? '' : complaint.message;
  if (said !== '') return `The connection to the workstation host closed: ${said} (code ${event.code}).`;
  return `The connection to the workstation host was lost (code ${event.code}). The host may have stopped.`;
}
