import {
  commands,
  topics,
  type CommandName,
  type CommandRequest,
  type CommandResponse,
  type TopicName,
  type TopicParams,
  type TopicPayload,
} from './contract.js';
import { ApiError, describeZodError, hostMessageSchema, type ClientMessage } from './protocol.js';

/** What a client needs from a transport: send an envelope, hear envelopes back. */
export interface ClientTransport {
  send(message: ClientMessage): void;
  /** Registers the one listener for host messages (already decoded, not yet validated). */
  onMessage(listener: (message: unknown) => void): void;
  /** Called when the transport is gone for good; pending calls fail with `disconnected`. */
  onClose(listener: (reason: string) => void): void;
}

export type Unsubscribe = () => void;

/** The typed API as the renderer (or a test, or a CLI) sees it; transport-agnostic. */
export interface ApiClient {
  call<K extends CommandName>(command: K, request: CommandRequest<K>): Promise<CommandResponse<K>>;
  subscribe<K extends TopicName>(
    topic: K,
    params: TopicParams<K>,
    listener: (payload: TopicPayload<K>) => void,
    onEnded?: (error: ApiError) => void,
  ): Unsubscribe;
}

interface PendingCall {
  readonly command: CommandName;
  resolve(value: unknown): void;
  reject(error: ApiError): void;
}

interface Subscription {
  readonly topic: TopicName;
  listener(payload: unknown): void;
  onEnded?: ((error: ApiError) => void) | undefined;
}

/**
 * Builds the client over any transport. Responses and events are parsed with the contract's
 * schemas, so a host bug shows up as an `internal` error here instead of bad data in a view.
 */
export function createApiClient(transport: ClientTransport): ApiClient {
  let nextId = 1;
  const pending = new Map<number, PendingCall>();
  const subscriptions = new Map<number, Subscription>();
  let closedReason: string | null = null;

  transport.onMessage((raw) => {
    const parsed = hostMessageSchema.safeParse(raw);
    if (!parsed.success) return; // Not ours to answer; the host never sends these.
    const message = parsed.data;
    switch (message.type) {
      case 'result': {
        const call = pending.get(message.id);
        if (call === undefined) return;
        pending.delete(message.id);
        if (!message.ok) {
          call.reject(new ApiError(message.error.kind, message.error.message));
          return;
        }
        const value = commands[call.command].response.safeParse(message.value);
        if (value.success) call.resolve(value.data);
        else
          call.reject(
            new ApiError('internal', `bad response to ${call.command}: ${describeZodError(value.error)}`),
          );
        return;
      }
      case 'event': {
        const subscription = subscriptions.get(message.id);
        if (subscription === undefined) return;
        const payload = topics[subscription.topic].payload.safeParse(message.payload);
        if (payload.success) subscription.listener(payload.data);
        return;
      }
      case 'ended': {
        const subscription = subscriptions.get(message.id);
        if (subscription === undefined) return;
        subscriptions.delete(message.id);
        subscription.onEnded?.(new ApiError(message.error.kind, message.error.message));
        return;
      }
      case 'error':
        return;
      default:
        message satisfies never;
    }
  });

  transport.onClose((reason) => {
    closedReason = reason;
    const error = new ApiError('disconnected', reason);
    for (const call of pending.values()) call.reject(error);
    pending.clear();
    for (const subscription of subscriptions.values()) subscription.onEnded?.(error);
    subscriptions.clear();
  });

  return {
    call(command, request) {
      if (closedReason !== null) return Promise.reject(new ApiError('disconnected', closedReason));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { command, resolve: resolve, reject });
        transport.send({ type: 'call', id, command, params: request });
      });
    },
    subscribe(topic, params, listener, onEnded) {
      const id = nextId++;
      subscriptions.set(id, { topic, listener: listener, onEnded });
      if (closedReason === null) transport.send({ type: 'subscribe', id, topic, params });
      return () => {
        if (!subscriptions.delete(id)) return;
        if (closedReason === null) transport.send({ type: 'unsubscribe', id });
      };
    },
  };
}
