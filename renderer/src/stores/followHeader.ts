import type { WorkstationStores } from './context.js';

type Followers = Pick<WorkstationStores, 'markets' | 'features' | 'models' | 'backtests' | 'trading'>;

/**
 * Every form's instrument follows the one picked in the header: a trader who switches to ETH
 * and opens Backtests, Trading, Training or Features expects ETH there, not the first
 * instrument of the list. A form can still be pointed elsewhere; the next header change wins.
 * Forms that hold a feature set take the first set saved on the header's instrument, where
 * there is one. Returns how to stop following.
 */
export function followHeaderInstrument(stores: Followers): () => void {
  let followed: string | null = null;

  /** Feature sets: the live panel, the Features view's selection and the training form. */
  const followSets = (instrument: string): void => {
    const features = stores.features.getState();
    const sets = features.sets;
    const first = sets.find((s) => s.instrument === instrument) ?? null;
    const on = (id: string | null): boolean => sets.find((s) => s.id === id)?.instrument === instrument;
    // The live panel never shows another instrument's values: none rather than the wrong ones.
    if (!on(features.liveSetId)) features.followLive(first?.id ?? null);
    if (first === null) return;
    if (!on(features.selectedSetId)) features.selectSet(first.id);
    const models = stores.models.getState();
    if (!on(models.setId)) models.pickSet(first);
  };

  const follow = (): void => {
    const instrument = stores.markets.getState().instrument?.id ?? null;
    if (instrument === null || instrument === followed) return;
    followed = instrument;
    const backtests = stores.backtests.getState();
    if (backtests.form.instrument !== instrument) backtests.pickInstrument(instrument);
    const trading = stores.trading.getState();
    if (trading.ticket.instrument !== instrument) trading.setTicket({ instrument });
    if (trading.paper.instrument !== instrument) trading.setPaper({ instrument });
    followSets(instrument);
  };

  const stops = [
    stores.markets.subscribe(follow),
    // Sets load after the header has its instrument, and a saved or deleted set changes them.
    stores.features.subscribe((state, previous) => {
      if (state.sets !== previous.sets && followed !== null) followSets(followed);
    }),
  ];
  follow();
  return () => {
    for (const stop of stops) stop();
  };
}
