import { commands, isCommandName, isTopicName, topics } from '../../shared/api/contract.js';
import {
  ApiError,
  clientMessageSchema,
  describeZodError,
  toErrorBody,
  type HostMessage,
} from '../../shared/api/protocol.js';
import type { ApiHandlers } from './api-handlers.js';

/** One client as the host sees it, whatever carries it (IPC, WebSocket, in-memory). */
export interface HostConnection {
  send(message: HostMessage): void;
  onMessage(listener: (message: unknown) => void): void;
  onClose(listener: () => void): void;
}

export interface ServeOptions {
  /** Where errors the client cannot see go (handler crashes); never API keys. */
  readonly log?: (line: string) => void;
}

/**
 * Serves the contract over one connection: parses every envelope and every request with
 * the contract's schemas, answers each call exactly once, and keeps going after bad input.
 * Subscriptions end when the client unsubscribes or the connection closes.
 */
export function serveConnection(
  api: ApiHandlers,
  connection: HostConnection,
  options: ServeOptions = {},
): void {
  const subscriptions = new Map<number, () => void>();
  let open = true;

  const send = (message: HostMessage): void => {
    if (open) connection.send(message);
  };

  const fail = (id: number, error: unknown): void => {
    const body = toErrorBody(error);
    if (body.kind === 'internal') options.log?.(`api: internal error: ${body.message}`);
    send({ type: 'result', id, ok: false, error: body });
  };

  connection.onMessage((raw) => {
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
          .then(() => handler(request.data))
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
        if (subscriptions.has(id)) {
          send({
            type: 'ended',
            id,
            error: { kind: 'bad_request', message: `subscription ${id} already exists` },
          });
          return;
        }
        if (!isTopicName(topic)) {
          send({ type: 'ended', id, error: { kind: 'unknown_topic', message: `unknown topic '${topic}'` } });
          return;
        }
        const params = topics[topic].params.safeParse(message.params);
        if (!params.success) {
          const text = `${topic}: ${describeZodError(params.error)}`;
          send({ type: 'ended', id, error: { kind: 'bad_request', message: text } });
          return;
        }
        const source = api.topics[topic] as (params: unknown, emit: (payload: unknown) => void) => () => void;
        try {
          const stop = source(params.data, (payload) => {
            send({ type: 'event', id, payload });
          });
          subscriptions.set(id, stop);
        } catch (error) {
          send({ type: 'ended', id, error: toErrorBody(error) });
        }
        return;
      }
      case 'unsubscribe': {
        subscriptions.get(message.id)?.();
        subscriptions.delete(message.id);
        return;
      }
      default:
        message satisfies never;
    }
  });

  connection.onClose(() => {
    open = false;
    for (const stop of subscriptions.values()) stop();
    subscriptions.clear();
  });
}
