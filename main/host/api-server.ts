import { commands, isCommandName, isTopicName, topics, type TopicName } from '../../shared/api/contract.js';
import {
  ApiError,
  clientMessageSchema,
  describeZodError,
  toErrorBody,
  type ApiErrorBody,
  type HostMessage,
} from '../../shared/api/protocol.js';
import type { ApiHandlers } from '../api/handlers.js';

/** One client as the host sees it, whatever carries it (IPC, WebSocket, in-memory). */
export interface HostConnection {
  send(message: HostMessage): void;
  onMessage(listener: (message: unknown) => void): void;
  onClose(listener: () => void): void;
  /**
   * Bytes sent but not yet taken by the client (a WebSocket's bufferedAmount). A transport
   * that cannot fall behind (IPC, in-memory) leaves it out and is never throttled.
   */
  queuedBytes?(): number;
  /** Ends the connection from the host side, telling the client why. */
  close?(code: number, reason: string): void;
}

/** What one connection may hold of the host's resources. */
export interface ConnectionLimits {
  /** Open subscriptions; one more is refused (`ended`, bad_request), the rest keep flowing. */
  readonly maxSubscriptions: number;
  /** Above this backlog, latest-only topics keep just their newest frame until it drains. */
  readonly coalesceAboveBytes: number;
  /** Above this backlog the client is not reading: the connection is closed with a reason. */
  readonly maxQueuedBytes: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  maxSubscriptions: 256,
  coalesceAboveBytes: 256 * 1024,
  maxQueuedBytes: 8 * 1024 * 1024,
};

/** WebSocket close code for a client that stopped reading (4000-4999 are the application's). */
export const CLOSE_SLOW_READER = 4429;

/**
 * Topics whose every event is a whole snapshot that supersedes the one before (the book view,
 * status, live feature values, the trading state, the live models list): a reader that falls
 * behind loses nothing by getting only the newest. Trades, signals, candles, job changes and
 * the like are increments, so they are queued and count against the backlog cap instead.
 */
const LATEST_ONLY_TOPICS: ReadonlySet<TopicName> = new Set<TopicName>([
  'book',
  'status',
  'features',
  'trading.state',
  'models.live',
]);

/** How often a congested connection is checked for room to send its held frames. */
const DRAIN_CHECK_MS = 50;

export interface ServeOptions {
  /** Where errors the client cannot see go (handler crashes); never API keys. */
  readonly log?: (line: string) => void;
  /** Scrubs credentials from every error message sent to the client. */
  readonly redact?: (text: string) => string;
  readonly limits?: Partial<ConnectionLimits>;
}

/**
 * Serves the contract over one connection: parses every envelope and every request with
 * the contract's schemas, answers each call exactly once, and keeps going after bad input.
 * Subscriptions end when the client unsubscribes or the connection closes. A client that
 * stops reading gets only the newest frame of snapshot topics, and is closed with a reason
 * once its backlog passes the cap, so it cannot grow the host without limit.
 */
export function serveConnection(
  api: ApiHandlers,
  connection: HostConnection,
  options: ServeOptions = {},
): void {
  const limits: ConnectionLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const redact = options.redact ?? ((text: string) => text);
  const subscriptions = new Map<number, () => void>();
  /** The newest frame of each latest-only subscription held while the client is behind. */
  const held = new Map<number, unknown>();
  let drainTimer: ReturnType<typeof setTimeout> | null = null;
  let open = true;

  const backlog = (): number => connection.queuedBytes?.() ?? 0;

  const end = (): void => {
    open = false;
    held.clear();
    if (drainTimer !== null) clearTimeout(drainTimer);
    drainTimer = null;
    for (const stop of subscriptions.values()) stop();
    subscriptions.clear();
  };

  const send = (message: HostMessage): void => {
    if (!open) return;
    connection.send(message);
    const queued = backlog();
    if (queued > limits.maxQueuedBytes) {
      const reason = `slow reader: over ${Math.round(limits.maxQueuedBytes / 2 ** 20)} MiB unread`;
      options.log?.(`api: closed a connection: ${reason} (${queued} bytes queued)`);
      end();
      connection.close?.(CLOSE_SLOW_READER, reason);
    }
  };

  const errorBody = (error: unknown): ApiErrorBody => {
    const body = toErrorBody(error);
    return { kind: body.kind, message: redact(body.message) };
  };

  const sendHeld = (): void => {
    drainTimer = null;
    if (!open) return;
    if (backlog() > limits.coalesceAboveBytes) {
      drainTimer = setTimeout(sendHeld, DRAIN_CHECK_MS);
      return;
    }
    const frames = [...held];
    held.clear();
    for (const [id, payload] of frames) send({ type: 'event', id, payload });
  };

  const emitter = (id: number, topic: TopicName) => {
    if (!LATEST_ONLY_TOPICS.has(topic)) {
      return (payload: unknown): void => {
        send({ type: 'event', id, payload });
      };
    }
    return (payload: unknown): void => {
      if (!open || !subscriptions.has(id)) return;
      if (held.size === 0 && backlog() <= limits.coalesceAboveBytes) {
        send({ type: 'event', id, payload });
        return;
      }
      held.set(id, payload);
      drainTimer ??= setTimeout(sendHeld, DRAIN_CHECK_MS);
    };
  };

  const fail = (id: number, error: unknown): void => {
    const body = errorBody(error);
    if (body.kind === 'internal') options.log?.(`api: internal error: ${body.message}`);
    send({ type: 'result', id, ok: false, error: body });
  };

  const receive = (raw: unknown): void => {
    const parsed = clientMessageSchema.safeParse(raw);
    if (!parsed.success) {
      send({
        type: 'error',
        error: { kind: 'malformed_message', message: `malformed message: ${describeZodError(parsed.error)}` },
      });
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'call': {
        const { id, command } = message;
        if (!isCommandName(command)) {
          fail(id, new ApiError('unknown_command', `unknown command '${command}'`));
          return;
        }
        const request = commands[command].request.safeParse(message.params);
        if (!request.success) {
          fail(id, new ApiError('bad_request', `${command}: ${describeZodError(request.error)}`));
          return;
        }
        // The handler map is typed per command; this one dynamic dispatch is where the
        // name chosen at run time meets it, after the request passed that command's schema.
        const handler = api.commands[command] as (request: unknown) => unknown;
        Promise.resolve()
          // Calls still queued when the connection closed are not run: nobody will read them.
          .then(() => (open ? handler(request.data) : undefined))
          .then(
            (value) => {
              send({ type: 'result', id, ok: true, value });
            },
            (error: unknown) => {
              fail(id, error);
            },
          );
        return;
      }
      case 'subscribe': {
        const { id, topic } = message;
        const refuse = (error: ApiErrorBody): void => {
          send({ type: 'ended', id, error });
        };
        if (subscriptions.has(id)) {
          refuse({ kind: 'bad_request', message: `subscription ${id} already exists` });
          return;
        }
        if (!isTopicName(topic)) {
          refuse({ kind: 'unknown_topic', message: `unknown topic '${topic}'` });
          return;
        }
        if (subscriptions.size >= limits.maxSubscriptions) {
          refuse({
            kind: 'bad_request',
            message: `${topic}: at most ${limits.maxSubscriptions} subscriptions per connection; unsubscribe first`,
          });
          return;
        }
        const params = topics[topic].params.safeParse(message.params);
        if (!params.success) {
          refuse({ kind: 'bad_request', message: `${topic}: ${describeZodError(params.error)}` });
          return;
        }
        const source = api.topics[topic] as (params: unknown, emit: (payload: unknown) => void) => () => void;
        // Registered before the source starts, so a first frame emitted at once is delivered.
        subscriptions.set(id, () => undefined);
        try {
          subscriptions.set(id, source(params.data, emitter(id, topic)));
        } catch (error) {
          subscriptions.delete(id);
          refuse(errorBody(error));
        }
        return;
      }
      case 'unsubscribe': {
        subscriptions.get(message.id)?.();
        subscriptions.delete(message.id);
        held.delete(message.id);
        return;
      }
      default:
        message satisfies never;
    }
  };

  connection.onMessage((raw) => {
    if (!open) return;
    // Last line of defence: whatever a handler throws synchronously is answered, logged and
    // survived; one bad message must never take the connection (or the host) down.
    try {
      receive(raw);
    } catch (error) {
      const body = errorBody(error);
      options.log?.(`api: message handling failed: ${body.message}`);
      send({ type: 'error', error: { kind: 'internal', message: body.message } });
    }
  });

  connection.onClose(end);
}
