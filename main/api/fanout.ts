/** A set of listeners for one stream; emitting to none costs nothing. */
export class Fanout<T> {
  private readonly listeners = new Set<(value: T) => void>();

  get size(): number {
    return this.listeners.size;
  }

  add(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(value: T): void {
    for (const listener of this.listeners) listener(value);
  }
}

/** Fanouts keyed by a string (an instrument, or instrument + timeframe), created on demand. */
export class KeyedFanout<T> {
  private readonly byKey = new Map<string, Fanout<T>>();

  add(key: string, listener: (value: T) => void): () => void {
    let fanout = this.byKey.get(key);
    if (fanout === undefined) {
      fanout = new Fanout<T>();
      this.byKey.set(key, fanout);
    }
    const remove = fanout.add(listener);
    return () => {
      remove();
      if (fanout.size === 0) this.byKey.delete(key);
    };
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  emit(key: string, value: T): void {
    this.byKey.get(key)?.emit(value);
  }
}
