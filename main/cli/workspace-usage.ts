import { TIMEFRAMES } from '../../shared/domain/timeframes.js';
import { HISTORY_CLI_USAGE } from '../history/cli-usage.js';

/** The workspace commands' --help, without loading them (the history commands load ccxt). */
const USAGE: Record<string, string> = {
  'demo-history': `demo-history --hours <h> [--seed <n>] [--beta <b>] [--start <ISO date>] [--features on|off]
               [--commit-every <s>] [--commit-log <file>]
  Records hours of the demo market at full speed into the workspace (for backtests),
  ending now unless --start says where it begins.`,
  candles: `candles --instrument <id> --timeframe <${TIMEFRAMES.join('|')}> [--limit <n>]
  Prints recorded candles of one instrument and timeframe as CSV.`,
  info: `info
  What the workspace holds: its file, size and the trades of each instrument.`,
  backup: `backup --to <folder> [--keep <n>]
  Copies the workspace (also while a host records in it); --keep prunes older backups.`,
  'backup-check': `backup-check --from <backup file>
  Checks a backup (integrity, audit chain) without restoring it.`,
  restore: `restore --from <backup file>
  Replaces the workspace with a checked backup (the host must be stopped); the replaced file is kept aside.`,
  ...Object.fromEntries(
    HISTORY_CLI_USAGE.split('\n').map((line) => [line.trim().split(' ')[0] ?? '', line.trim()]),
  ),
};

export function workspaceHelp(command: string): string {
  const usage = USAGE[command];
  if (usage === undefined) throw new Error(`unknown command '${command}'`);
  return `usage: npm run cli -- ${usage}\n  --data-dir <dir>  the workspace folder (else WORKSTATION_DATA_DIR, else the app data folder)\n`;
}

/** What main/cli.ts loads for a workspace command's --help. */
export const cli = { help: workspaceHelp };
