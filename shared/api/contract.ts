import type { z } from 'zod';
import { annotationCommands } from './domains/annotations.js';
import { appCommands, appTopics } from './domains/app.js';
import { backtestCommands } from './domains/backtests.js';
import { backupCommands } from './domains/backup.js';
import { exchangeCommands, exchangeTopics } from './domains/exchanges.js';
import { featureCommands, featureTopics } from './domains/features.js';
import { historyCommands } from './domains/history.js';
import { jobCommands, jobTopics } from './domains/jobs.js';
import { marketCommands, marketTopics } from './domains/markets.js';
import { modelCommands, modelTopics } from './domains/models.js';
import { storageCommands } from './domains/storage.js';
import { strategyCommands } from './domains/strategies.js';
import { tradingCommands, tradingTopics } from './domains/trading.js';

/**
 * The one API of the App. Commands are request -> response; topics are streams.
 * Every transport (Electron IPC, WebSocket, in-memory) carries exactly this contract,
 * and both ends parse with these schemas: nothing crosses a process boundary unparsed.
 * Each domain defines its part in shared/api/domains/; this file only joins them.
 */

export const commands = {
  ...annotationCommands,
  ...appCommands,
  ...backtestCommands,
  ...backupCommands,
  ...exchangeCommands,
  ...featureCommands,
  ...historyCommands,
  ...jobCommands,
  ...marketCommands,
  ...modelCommands,
  ...storageCommands,
  ...strategyCommands,
  ...tradingCommands,
} as const;

export const topics = {
  ...appTopics,
  ...exchangeTopics,
  ...featureTopics,
  ...jobTopics,
  ...marketTopics,
  ...modelTopics,
  ...tradingTopics,
} as const;

export type Commands = typeof commands;
export type Topics = typeof topics;
export type CommandName = keyof Commands;
export type TopicName = keyof Topics;
export type CommandRequest<K extends CommandName> = z.input<Commands[K]['request']>;
export type CommandResponse<K extends CommandName> = z.output<Commands[K]['response']>;
export type TopicParams<K extends TopicName> = z.input<Topics[K]['params']>;
export type TopicPayload<K extends TopicName> = z.output<Topics[K]['payload']>;

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commands, name);
}

export function isTopicName(name: string): name is TopicName {
  return Object.hasOwn(topics, name);
}
