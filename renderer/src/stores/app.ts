import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiClient, Unsubscribe } from '../../../shared/api/client.js';
import type { AppInfo, Status } from '../../../shared/api/schemas.js';

/** The renderer's own view of its link to the App, apart from the App's market connection. */
export type LinkState = 'connecting' | 'open' | 'closed';

export interface AppState {
  readonly info: AppInfo | null;
  /** Live-path health as the App reports it, once a second. */
  readonly status: Status | null;
  readonly link: LinkState;
  /** Why the link closed or could not open, in words the user can act on. */
  readonly linkProblem: string | null;

  /** Loads app info and follows the status topic. */
  readonly start: () => void;
  readonly stop: () => void;
}

export type AppStore = StoreApi<AppState>;

/** The app domain: who we are talking to and how healthy its live path is. */
export function createAppStore(api: ApiClient): AppStore {
  let statusFeed: Unsubscribe | null = null;

  return createStore<AppState>()((set, get) => {
    const closeLink = (reason: string): void => {
      if (get().link === 'closed') return;
      set({ link: 'closed', linkProblem: reason });
    };

    return {
      info: null,
      status: null,
      link: 'connecting',
      linkProblem: null,

      start() {
        statusFeed?.();
        // The client ends every subscription with the transport's reason when the link drops,
        // so the status feed doubles as the link watchdog without touching the transport.
        statusFeed = api.subscribe(
          'status',
          {},
          (status) => {
            set({ status, link: 'open' });
          },
          (error) => {
            closeLink(error.kind === 'disconnected' ? error.message : `Status feed ended: ${error.message}`);
          },
        );
        api
          .call('app.info', {})
          .then((info) => {
            if (get().link !== 'closed') set({ info, link: 'open' });
          })
          .catch((error: unknown) => {
            closeLink(error instanceof Error ? error.message : String(error));
          });
        api
          .call('app.status', {})
          .then((status) => {
            if (get().status === null) set({ status });
          })
          .catch(() => {
            // The status feed (or the failed app.info) already says what went wrong.
          });
      },

      stop() {
        statusFeed?.();
        statusFeed = null;
      },
    };
  });
}
