// The coordinator's account of its planned ranges: which are done, which died. A range is done once a worker
// recorded it (after its shard was durable); done wins over dead (a slow worker may finish a range given up on).

export type Fate = "done" | "dead";

export class RangeTracker {
  /** Planned range key -> the indices it holds (for the failed-index files of a dead range). */
  readonly planned = new Map<string, number[]>();
  readonly fate = new Map<string, Fate>();

  add(key: string, indices: number[]) {
    this.planned.set(key, indices);
  }

  /** True when this changes the range's fate. Keys not planned by this run are ignored. */
  record(key: string, fate: Fate): boolean {
    if (!this.planned.has(key)) return false;
    const now = this.fate.get(key);
    if (now === fate || now === "done") return false;
    this.fate.set(key, fate);
    return true;
  }

  /** Forgets a recorded fate that the output turned out not to hold (a range to publish again). */
  reopen(key: string) {
    this.fate.delete(key);
  }

  open(): string[] {
    return [...this.planned.keys()].filter((k) => !this.fate.has(k));
  }

  get complete(): boolean {
    return this.fate.size === this.planned.size;
  }

  counts() {
    let done = 0, dead = 0, rows = 0, rowsDone = 0, rowsDead = 0;
    for (const [key, indices] of this.planned) {
      rows += indices.length;
      const f = this.fate.get(key);
      if (f === "done") (done++, rowsDone += indices.length);
      if (f === "dead") (dead++, rowsDead += indices.length);
    }
    return { ranges: this.planned.size, done, dead, rows, rowsDone, rowsDead };
  }
}
