// The page's one state store: panels render from it and change it only through `update`, so no panel keeps a
// private copy that can go stale (the results table once kept a "shown" set that outlived its output).
export type Listener<S> = (state: S, previous: S) => void;

export class Store<S extends object> {
  #state: S;
  #listeners = new Set<Listener<S>>();
  constructor(initial: S) {
    this.#state = initial;
  }
  get state(): Readonly<S> {
    return this.#state;
  }
  update(patch: Partial<S> | ((state: S) => Partial<S>)) {
    const previous = this.#state;
    this.#state = { ...previous, ...(typeof patch === "function" ? patch(previous) : patch) };
    for (const listener of this.#listeners) listener(this.#state, previous);
  }
  /** Calls `listener` now and after every update. */
  subscribe(listener: Listener<S>): () => void {
    this.#listeners.add(listener);
    listener(this.#state, this.#state);
    return () => this.#listeners.delete(listener);
  }
}
