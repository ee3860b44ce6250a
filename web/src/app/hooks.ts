import { createContext, useContext, useSyncExternalStore } from 'react';
import type { ChatStore, State } from './store';

export const StoreContext = createContext<ChatStore | null>(null);

export function useStore(): ChatStore {
  const s = useContext(StoreContext);
  if (!s) throw new Error('no store');
  return s;
}

/** useChat re-renders when the selected part of the state changes. */
export function useChat<T>(select: (s: State) => T): T {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, () => select(store.getState()));
}
