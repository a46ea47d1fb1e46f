import type { z } from 'zod';
import type {
  CommandName,
  CommandResponse,
  Commands,
  TopicName,
  TopicPayload,
  Topics,
} from '../../shared/api/contract.js';

/** A command handler receives the request already parsed by the contract's schema. */
export type CommandHandlers = {
  readonly [K in CommandName]: (
    request: z.output<Commands[K]['request']>,
  ) => CommandResponse<K> | Promise<CommandResponse<K>>;
};

/** A topic source starts a stream for parsed params and returns how to stop it. */
export type TopicSources = {
  readonly [K in TopicName]: (
    params: z.output<Topics[K]['params']>,
    emit: (payload: TopicPayload<K>) => void,
  ) => () => void;
};

/** Everything a transport needs from the App: the handlers behind the contract. */
export interface ApiHandlers {
  readonly commands: CommandHandlers;
  readonly topics: TopicSources;
}
