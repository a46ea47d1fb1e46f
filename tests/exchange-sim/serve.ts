// The exchange simulator on its own, for a dry run: `npm run sim`, then in the workstation's
// Settings pick binance and put the printed URLs into the endpoint override.
import { parseArgs } from 'node:util';
import { startBinanceSimulator, type SimMarketSpec } from './binance-sim.js';

const USAGE =
  'usage: npm run sim -- [--port <n>] [--market SYMBOL:startPrice:tickSize:lotSize ...] [--account KEY:SECRET]';

/** A trading account for a dry run of live trading: 100 000 of each quote, 10 of each base. */
const DEFAULT_ACCOUNT = 'sim-key:sim-secret';

const DEFAULT_MARKETS: readonly SimMarketSpec[] = [
  { symbol: 'ETH/USDT', startPrice: 2000, tickSize: 0.1, lotSize: 0.001, seed: 1 },
  { symbol: 'SOL/USDT', startPrice: 100, tickSize: 0.01, lotSize: 0.01, seed: 2 },
];

function parseMarket(text: string, index: number): SimMarketSpec {
  const [symbol, startPrice, tickSize, lotSize] = text.split(':');
  const numbers = [startPrice, tickSize, lotSize].map(Number);
  if (symbol?.includes('/') !== true || numbers.some((n) => !(n > 0))) {
    throw new Error(`--market '${text}' must look like ETH/USDT:2000:0.1:0.001`);
  }
  const [price = 0, tick = 0, lot = 0] = numbers;
  return { symbol, startPrice: price, tickSize: tick, lotSize: lot, seed: index + 1 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      port: { type: 'string', default: '0' },
      market: { type: 'string', multiple: true },
      account: { type: 'string', default: DEFAULT_ACCOUNT },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const markets = values.market?.map(parseMarket) ?? DEFAULT_MARKETS;
  const { sim, urls } = await startBinanceSimulator({ markets, port: Number(values.port) });
  const [apiKey = '', secret = ''] = values.account.split(':');
  if (apiKey === '' || secret === '')
    throw new Error(`--account '${values.account}' must look like KEY:SECRET`);
  const balances: Record<string, number> = {};
  for (const market of markets) {
    const [base = '', quote = ''] = market.symbol.split('/');
    balances[base] = 10;
    balances[quote] = 100_000;
  }
  sim.openAccount(apiKey, secret, balances);
  process.stdout.write(
    `Binance spot simulator: REST ${urls.rest}  WebSocket ${urls.ws}\n` +
      `Markets: ${markets.map((m) => m.symbol).join(', ')}. In Settings pick 'binance' and set the endpoint override to these URLs. Ctrl+C stops.\n` +
      `Trading account: API key '${apiKey}', secret '${secret}' (a simulator test account, not a real key).\n`,
  );
  process.on('SIGINT', () => {
    void sim.stop().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`sim: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
  process.exit(1);
});
