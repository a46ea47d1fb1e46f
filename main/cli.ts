// Batch jobs without a window. Usage: npm run cli -- <command> [options]; --help on each.
// This file only dispatches: each group of commands is built as its own file and loaded when
// one of its commands runs, so a backtest starts without loading ccxt or the model service.
import { homedir } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DataDirFlagError, resolveDataDir } from './storage/data-folder.js';
import { describeTightened, tightenWorkspace } from './storage/owner-only.js';
import type { CliModule } from './cli/cli-command.js';
import { requireWithCodeCache, type CachedModule } from './cli/code-cache.js';

type Group = 'workspace' | 'research' | 'models';

/**
 * Built by main/scripts/build.mjs beside this file as CommonJS bundles (dist/main/cli/*.cjs),
 * loaded with V8's code cache (cli/code-cache.ts): what runs a group, and its --help.
 */
const MODULES: Record<Group, { run: string; help: string }> = {
  // The workspace commands' help is a file apart: the commands load ccxt.
  workspace: { run: './cli/workspace-commands.cjs', help: './cli/workspace-usage.cjs' },
  research: { run: './cli/research-commands.cjs', help: './cli/research-commands.cjs' },
  models: { run: './cli/model-commands.cjs', help: './cli/model-commands.cjs' },
};

const COMMANDS: readonly { name: string; group: Group; summary: string }[] = [
  { name: 'import', group: 'workspace', summary: 'import a CSV/Parquet file of trades or candles' },
  { name: 'backfill', group: 'workspace', summary: "download an exchange's history of trades or candles" },
  { name: 'export', group: 'workspace', summary: 'write recorded trades or candles to CSV or Parquet' },
  {
    name: 'coverage',
    group: 'workspace',
    summary: 'what data the workspace holds per instrument, and its gaps',
  },
  { name: 'demo-history', group: 'workspace', summary: 'record hours of the demo market at full speed' },
  { name: 'candles', group: 'workspace', summary: 'print recorded candles as CSV' },
  { name: 'info', group: 'workspace', summary: 'the workspace file and its instruments' },
  { name: 'verify', group: 'workspace', summary: 'check candles against their trades and repair them' },
  {
    name: 'backup',
    group: 'workspace',
    summary: 'copy the workspace (also while a host records in it)',
  },
  {
    name: 'backup-check',
    group: 'workspace',
    summary: 'check a backup (integrity, audit chain) without restoring it',
  },
  {
    name: 'restore',
    group: 'workspace',
    summary: 'replace the workspace with a checked backup (host stopped)',
  },
  {
    name: 'strategies',
    group: 'research',
    summary: 'built-in strategies and your own files, with parameters',
  },
  { name: 'backtest', group: 'research', summary: 'run one backtest; prints trades and final value' },
  { name: 'sweep', group: 'research', summary: 'run a parameter grid in worker threads' },
  {
    name: 'walk-forward',
    group: 'research',
    summary: 'optimise on rolling train windows, judge on the next test window',
  },
  {
    name: 'runs',
    group: 'research',
    summary: 'stored backtests, sweeps and walk-forward runs, one of them, or delete one',
  },
  { name: 'train', group: 'models', summary: 'train a model with purged walk-forward validation' },
  { name: 'models', group: 'models', summary: 'registered models, or one with its lineage and scores' },
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'usage: npm run cli -- <command> [--data-dir <dir>] [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'npm run cli -- <command> --help   the options of one command',
    'Research commands print for people by default and JSON with --json.',
    '',
  ].join('\n');
}

/** The group this command loaded: its code cache is stored once the command is done. */
const loaded: CachedModule[] = [];

function load<K extends keyof CliModule>(
  group: Group,
  part: 'run' | 'help',
  command: string,
): Pick<CliModule, K> {
  const file = fileURLToPath(new URL(MODULES[group][part], import.meta.url));
  const module = requireWithCodeCache(file, part === 'help' ? `${command}-help` : command);
  loaded.push(module);
  const { cli } = module.exports as { cli?: Pick<CliModule, K> };
  if (cli === undefined) throw new Error(`${MODULES[group][part]} exports no CLI commands`);
  return cli;
}

function isUsageError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'UsageError' || error instanceof DataDirFlagError);
}

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(usage());
    if (command === undefined) process.exitCode = 2;
    return;
  }
  const entry = COMMANDS.find((c) => c.name === command);
  if (entry === undefined) {
    process.stderr.write(`cli: unknown command '${command}'\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(load<'help'>(entry.group, 'help', command).help(command));
    return;
  }
  const module = load<'run'>(entry.group, 'run', command);
  const dataDir = resolveDataDir({
    argv: rest,
    env: process.env,
    platform: process.platform,
    homedir: homedir(),
  });
  if (existsSync(dataDir)) {
    // A workspace made by an older build, or copied in, may be readable by other users.
    const tightened = tightenWorkspace(dataDir);
    if (tightened.length > 0) process.stderr.write(`${describeTightened(tightened, dataDir)}\n`);
  }
  try {
    await module.run(command, rest, dataDir);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const byUser = isUsageError(error);
    process.stderr.write(
      `cli ${command}: ${message}\n${byUser ? `see: npm run cli -- ${command} --help\n` : ''}`,
    );
    process.exitCode = byUser ? 2 : 1;
  }
}

await main(process.argv.slice(2));
// After the command, so the cache holds the functions it ran too.
for (const module of loaded) module.saveCache();
// Worker pools and the database may keep handles open after a command is done; the command's
// output is written, so end here (after stdout drains, which pipes need on some systems).
process.stdout.write('', () => process.exit());
