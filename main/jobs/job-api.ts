import type { CommandHandlers, TopicSources } from '../api/handlers.js';
import type { JobBoard } from './job-board.js';

/** The jobs part of the API, served from the App's job board. */
export function jobHandlers(board: JobBoard): {
  commands: Pick<CommandHandlers, 'jobs.list' | 'jobs.cancel'>;
  topics: Pick<TopicSources, 'jobs' | 'jobs.watch'>;
} {
  return {
    commands: {
      'jobs.list': ({ limit }) => board.list(limit),
      'jobs.cancel': ({ id }) => board.cancel(id),
    },
    topics: {
      jobs: (_params, emit) => board.subscribe(emit),
      'jobs.watch': ({ id }, emit) => board.watch(id, emit),
    },
  };
}
