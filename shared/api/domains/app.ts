import { z } from 'zod';
import { appInfoSchema, statusSchema } from '../schemas.js';
import type { CommandSpec, TopicSpec } from '../spec.js';

/** The App itself: what is running, and how healthy its live path is. */
export const appCommands = {
  'app.info': {
    summary: 'Name, version, data folder and market source of the running App.',
    request: z.object({}),
    response: appInfoSchema,
  },
  'app.status': {
    summary: 'Health of the live path: connection, events/s, recorded and rejected counts.',
    request: z.object({}),
    response: statusSchema,
  },
} as const satisfies Record<string, CommandSpec>;

export const appTopics = {
  status: {
    summary: 'Live-path health, once a second.',
    params: z.object({}),
    payload: statusSchema,
  },
} as const satisfies Record<string, TopicSpec>;
