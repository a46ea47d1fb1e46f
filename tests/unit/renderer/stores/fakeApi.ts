import type { ApiClient } from '../../../../shared/api/client.js';
import type {
  CommandName,
  CommandRequest,
  CommandResponse,
  TopicName,
  TopicParams,
  TopicPayload,
} from '../../../../shared/api/contract.js';
import { ApiError } from '../../../../shared/api/protocol.js';

interface OpenCall {
  readonly command: CommandName;
  readonly request: unknown;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface OpenSubscription {
  readonly topic: TopicName;
  readonly params: unknown;
  listener(payload: unknown): void;
  onEnded?: ((error: ApiError) => void) | undefined;
}

/**
 * An ApiClient a test drives by hand: calls wait until the test answers them, topics carry
 * whatever the test pushes. It lets a store be tested without any transport or host.
 */
export interface FakeApi {
  readonly client: ApiClient;
  /** Answers the oldest open call of `command`. */
  answer<K extends CommandName>(command: K, value: CommandResponse<K>): void;
  /** Requests of the open (unanswered) calls of `command`, oldest first. */
  requests<K extends CommandName>(command: K): CommandRequest<K>[];
  /** Pushes a payload to every open subscription of `topic`. */
  push<K extends TopicName>(topic: K, payload: TopicPayload<K>): void;
  /** Parameters of the open subscriptions of `topic`. */
  subscribed<K extends TopicName>(topic: K): TopicParams<K>[];
  /** Ends every subscription and fails every call, as a dropped transport does. */
  disconnect(reason: string): void;
}

export function fakeApi(): FakeApi {
  const calls: OpenCall[] = [];
  const subscriptions = new Set<OpenSubscription>();

  const client: ApiClient = {
    call<K extends CommandName>(command: K, request: CommandRequest<K>): Promise<CommandResponse<K>> {
      return new Promise<CommandResponse<K>>((resolve, reject) => {
        calls.push({ command, request, resolve, reject });
      });
    },
    subscribe<K extends TopicName>(
      topic: K,
      params: TopicParams<K>,
      listener: (payload: TopicPayload<K>) => void,
      onEnded?: (error: ApiError) => void,
    ) {
      const subscription: OpenSubscription = {
        topic,
        params,
        listener,
        onEnded,
      };
      subscriptions.add(subscription);
      return () => {
        subscriptions.delete(subscription);
      };
    },
  };

  return {
    client,
    answer(command, value) {
      const index = calls.findIndex((call) => call.command === command);
      const call = calls[index];
      if (call === undefined) throw new Error(`no open ${command} call`);
      calls.splice(index, 1);
      call.resolve(value);
    },
    requests<K extends CommandName>(command: K) {
      return calls
        .filter((call) => call.command === command)
        .map((call) => call.request as CommandRequest<K>);
    },
    push(topic, payload) {
      for (const subscription of subscriptions)
        if (subscription.topic === topic) subscription.listener(payload);
    },
    subscribed<K extends TopicName>(topic: K) {
      return [...subscriptions].filter((s) => s.topic === topic).map((s) => s.params as TopicParams<K>);
    },
    disconnect(reason) {
      const error = new ApiError('disconnected', reason);
      for (const call of calls.splice(0)) call.reject(error);
      for (const subscription of subscriptions) subscription.onEnded?.(error);
      subscriptions.clear();
    },
  };
}
