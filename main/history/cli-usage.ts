// Apart from the commands so `--help` does not load ccxt (main/cli.ts).
import { importFormatSchema } from '../../shared/api/domains/history.js';

/** The history commands of the CLI: import, backfill, export, coverage, verify. */
export const HISTORY_CLI_USAGE = `  import <file> --instrument <exchange:BASE/QUOTE> [--format ${importFormatSchema.options.join('|')}] [--timeframe <tf>] [--mapping <json>] [--tick <size>] [--lot <size>]
  backfill --exchange <id> --symbol <BASE/QUOTE> --from <ISO> --to <ISO> [--kind trades|candles|funding] [--timeframe <tf>] [--endpoint <url>]
  export --instrument <id> --from <ISO> --to <ISO> --kind trades|candles [--timeframe <tf>] --format csv|parquet --out <file>
  coverage [--instrument <id>]
  verify --instrument <id> --from <ISO> --to <ISO>   check candles against trades and repair them`;
