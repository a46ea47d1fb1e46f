import { useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import type { StreamStatus } from '../../../../shared/api/schemas.js';
import { useApp, useMarketsStore, useSettings } from '../../stores/context.js';
import { useNavigation } from '../../stores/navigation.js';
import { BackupPanel } from './BackupPanel.js';
import './settings.css';

/** Exchanges listed at once in the picker; the search narrows the rest. */
const EXCHANGES_SHOWN = 60;

/**
 * Settings: connect the workstation to an exchange as a trader would. Pick the exchange
 * (searchable), optionally point it at a testnet or the simulator, load its markets, pick
 * symbols, optionally save API keys (encrypted in main, never shown again), Connect.
 */
export function SettingsView() {
  const start = useSettings((s) => s.start);
  useEffect(() => {
    void start();
  }, [start]);
  const problem = useSettings((s) => s.problem);
  const notice = useSettings((s) => s.notice);

  return (
    <main className="settings-view" data-testid="settings-view">
      <div className="settings-column">
        <ExchangePicker />
        <EndpointAndMarkets />
      </div>
      <div className="settings-column">
        <ConnectPanel />
        <KeysPanel />
        <ConnectionsPanel />
        <BackupPanel />
        {problem === null ? null : (
          <p className="settings-problem" role="alert" data-testid="settings-problem">
            {problem}
          </p>
        )}
        {notice === null ? null : (
          <p className="settings-notice" data-testid="settings-notice">
            {notice}
          </p>
        )}
      </div>
    </main>
  );
}

function ExchangePicker() {
  const exchanges = useSettings((s) => s.exchanges);
  const exchange = useSettings((s) => s.exchange);
  const pickExchange = useSettings((s) => s.pickExchange);
  const [query, setQuery] = useState('');
  const shown = useMemo(() => {
    const needle = query.trim().toLowerCase();
    return exchanges.filter((e) => needle === '' || e.id.includes(needle)).slice(0, EXCHANGES_SHOWN);
  }, [exchanges, query]);

  return (
    <section className="panel settings-panel">
      <h2 className="panel-title">Exchange</h2>
      <input
        className="settings-input"
        type="search"
        placeholder={`Search ${exchanges.length} exchanges`}
        value={query}
        onChange={(event) => {
          setQuery(event.target.value);
        }}
        data-testid="exchange-search"
        aria-label="Search exchanges"
      />
      <div className="settings-list exchange-list" role="listbox" aria-label="Exchanges">
        {shown.map((candidate) => (
          <button
            key={candidate.id}
            type="button"
            role="option"
            aria-selected={candidate.id === exchange}
            className={candidate.id === exchange ? 'selected' : ''}
            onClick={() => {
              pickExchange(candidate.id);
            }}
            data-testid={`exchange-option-${candidate.id}`}
          >
            <span>{candidate.id}</span>
            <span className="muted">
              {candidate.websocket ? 'stream' : 'REST poll'}
              {candidate.hasKeys ? ' · keys' : ''}
            </span>
          </button>
        ))}
      </div>
    </section>
  );
}

function EndpointAndMarkets() {
  const exchange = useSettings((s) => s.exchange);
  const endpoint = useSettings((s) => s.endpoint);
  const setEndpoint = useSettings((s) => s.setEndpoint);
  const loadMarkets = useSettings((s) => s.loadMarkets);
  const searchMarkets = useSettings((s) => s.searchMarkets);
  const markets = useSettings((s) => s.markets);
  const total = useSettings((s) => s.marketsTotal);
  const loaded = useSettings((s) => s.marketsLoaded);
  const loading = useSettings((s) => s.loadingMarkets);
  const query = useSettings((s) => s.marketQuery);
  const selected = useSettings((s) => s.selected);
  const toggleSymbol = useSettings((s) => s.toggleSymbol);

  if (exchange === null) {
    return (
      <section className="panel settings-panel">
        <h2 className="panel-title">Markets</h2>
        <p className="panel-note">Pick an exchange first.</p>
      </section>
    );
  }
  return (
    <section className="panel settings-panel">
      <h2 className="panel-title">
        Markets of <b data-testid="settings-exchange">{exchange}</b>
      </h2>
      <fieldset className="settings-endpoint">
        <legend>Endpoint override (optional: a testnet or the exchange simulator)</legend>
        <label>
          REST base URL
          <input
            className="settings-input"
            type="url"
            placeholder="https://… (the exchange's own when empty)"
            value={endpoint.rest}
            onChange={(event) => {
              setEndpoint({ rest: event.target.value });
            }}
            data-testid="endpoint-rest"
          />
        </label>
        <label>
          WebSocket base URL
          <input
            className="settings-input"
            type="url"
            placeholder="wss://…"
            value={endpoint.ws}
            onChange={(event) => {
              setEndpoint({ ws: event.target.value });
            }}
            data-testid="endpoint-ws"
          />
        </label>
      </fieldset>
      <button type="button" onClick={() => void loadMarkets()} disabled={loading} data-testid="load-markets">
        {loading ? 'Loading markets…' : loaded ? 'Reload markets' : 'Load markets'}
      </button>
      {loaded ? (
        <>
          <input
            className="settings-input"
            type="search"
            placeholder="Search symbol, base or quote"
            value={query}
            onChange={(event) => void searchMarkets(event.target.value)}
            data-testid="market-search"
            aria-label="Search markets"
          />
          <p className="panel-note" data-testid="market-count">
            {total} market{total === 1 ? '' : 's'}
            {total > markets.length ? `, first ${markets.length} shown` : ''}
          </p>
          <div className="settings-list market-list">
            {markets.map((market) => (
              <label
                key={market.symbol}
                className="market-option"
                data-testid={`market-option-${market.symbol}`}
              >
                <input
                  type="checkbox"
                  checked={selected.includes(market.symbol)}
                  onChange={() => {
                    toggleSymbol(market.symbol);
                  }}
                />
                <span className="symbol">{market.symbol}</span>
                <span className="muted">
                  {market.type} · tick {market.tickSize} · lot {market.lotSize}
                  {market.active ? '' : ' · inactive'}
                </span>
              </label>
            ))}
          </div>
        </>
      ) : null}
    </section>
  );
}

function ConnectPanel() {
  const exchange = useSettings((s) => s.exchange);
  const selected = useSettings((s) => s.selected);
  const busy = useSettings((s) => s.busy);
  const connect = useSettings((s) => s.connect);
  return (
    <section className="panel settings-panel">
      <h2 className="panel-title">Subscribe</h2>
      <p className="panel-note">
        {exchange === null
          ? 'No exchange picked.'
          : selected.length === 0
            ? `Pick symbols of ${exchange} to stream.`
            : `${selected.join(', ')} on ${exchange}: trades, order book and 1m candles.`}
      </p>
      <button
        type="button"
        className="primary"
        disabled={exchange === null || selected.length === 0 || busy}
        onClick={() => void connect()}
        data-testid="connect"
      >
        {busy ? 'Working…' : 'Connect'}
      </button>
    </section>
  );
}

function KeysPanel() {
  const exchange = useSettings((s) => s.exchange);
  const keyStore = useSettings((s) => s.keyStore);
  const hasKeys = useSettings((s) => s.exchanges.find((e) => e.id === s.exchange)?.hasKeys ?? false);
  const saveKeys = useSettings((s) => s.saveKeys);
  const unlockKeys = useSettings((s) => s.unlockKeys);
  const busy = useSettings((s) => s.busy);
  const [apiKey, setApiKey] = useState('');
  const [secret, setSecret] = useState('');
  const [password, setPassword] = useState('');
  const [passphrase, setPassphrase] = useState('');

  if (exchange === null) return null;
  return (
    <section className="panel settings-panel">
      <h2 className="panel-title">API keys for {exchange} (optional)</h2>
      <p className="panel-note">
        Market data needs no keys. Keys are encrypted at rest and never shown again.
        {hasKeys ? ' This exchange has saved keys.' : ''}
      </p>
      {keyStore !== null && !keyStore.ready ? (
        <form
          className="settings-keys"
          onSubmit={(event) => {
            event.preventDefault();
            void unlockKeys(passphrase).then(() => {
              setPassphrase('');
            });
          }}
        >
          <p className="panel-note" data-testid="key-store-reason">
            {keyStore.reason}
          </p>
          <input
            className="settings-input"
            type="password"
            autoComplete="off"
            placeholder="Key store passphrase"
            value={passphrase}
            onChange={(event) => {
              setPassphrase(event.target.value);
            }}
          />
          <button type="submit" disabled={passphrase === '' || busy}>
            Unlock
          </button>
        </form>
      ) : null}
      <form
        className="settings-keys"
        onSubmit={(event) => {
          event.preventDefault();
          void saveKeys({ apiKey, secret, password }).then(() => {
            setApiKey('');
            setSecret('');
            setPassword('');
          });
        }}
      >
        <KeyField placeholder="API key" value={apiKey} onChange={setApiKey} />
        <KeyField placeholder="Secret" value={secret} onChange={setSecret} hidden />
        <KeyField placeholder="Passphrase (some exchanges)" value={password} onChange={setPassword} hidden />
        <button type="submit" disabled={apiKey === '' || secret === '' || busy || keyStore?.ready !== true}>
          Save keys
        </button>
      </form>
    </section>
  );
}

function ConnectionsPanel() {
  const connections = useSettings((s) => s.connections);
  const disconnect = useSettings((s) => s.disconnect);
  const busy = useSettings((s) => s.busy);
  const streams = useApp((s) => s.status?.connections ?? []);
  const markets = useMarketsStore();
  const instruments = useStore(markets, (s) => s.instruments);
  const open = useNavigation((s) => s.open);

  return (
    <section className="panel settings-panel">
      <h2 className="panel-title">Connections</h2>
      {connections.length === 0 ? (
        <p className="panel-note">None: the workstation runs on the demo market.</p>
      ) : null}
      {connections.map((connection) => (
        <div
          key={connection.exchange}
          className="connection-card"
          data-testid={`connection-${connection.exchange}`}
        >
          <div className="connection-head">
            <b>{connection.exchange}</b>
            {connection.endpoint?.rest === undefined ? null : (
              <span className="muted"> via {connection.endpoint.rest}</span>
            )}
            <span className="spacer" />
            <button type="button" disabled={busy} onClick={() => void disconnect(connection.exchange)}>
              Disconnect
            </button>
          </div>
          {connection.symbols.map((symbol) => {
            const instrument = `${connection.exchange}:${symbol}`;
            const stream = streams.find((s) => s.instrument === instrument);
            return (
              <div key={symbol} className="connection-stream">
                <span className={`dot-state ${stream?.state ?? 'starting'}`} />
                <span className="symbol">{symbol}</span>
                <span className="muted" data-testid={`stream-state-${instrument}`}>
                  {describe(stream)}
                </span>
                <span className="spacer" />
                <button
                  type="button"
                  disabled={!instruments.some((i) => i.id === instrument)}
                  onClick={() => {
                    markets.getState().follow(instrument);
                    open('markets');
                  }}
                  data-testid={`show-${instrument}`}
                >
                  Show in Markets
                </button>
              </div>
            );
          })}
        </div>
      ))}
    </section>
  );
}

function describe(stream: StreamStatus | undefined): string {
  if (stream === undefined) return 'starting';
  const parts: string[] = [stream.state];
  if (stream.reconnects > 0) parts.push(`${stream.reconnects} reconnects`);
  if (stream.gaps > 0) parts.push(`${stream.gaps} gaps`);
  if (stream.lastError !== null && stream.state !== 'live') parts.push(stream.lastError);
  return parts.join(' · ');
}

/** One credential field: never autofilled, and masked unless it is the public key id. */
function KeyField(props: {
  readonly placeholder: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly hidden?: boolean;
}) {
  return (
    <input
      className="settings-input"
      type={props.hidden === true ? 'password' : 'text'}
      autoComplete="off"
      placeholder={props.placeholder}
      value={props.value}
      onChange={(event) => {
        props.onChange(event.target.value);
      }}
    />
  );
}
