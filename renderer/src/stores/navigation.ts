import { create } from 'zustand';

interface NavigationState {
  /** Id of the view on screen (see views/registry.ts). */
  readonly view: string;
  open: (view: string) => void;
}

/** Which screen is showing; a store so any view can send the user to another. */
export const useNavigation = create<NavigationState>((set) => ({
  view: 'markets',
  open: (view) => {
    set({ view });
  },
}));
