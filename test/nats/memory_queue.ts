// An in-memory work queue with JetStream's delivery semantics that matter here: delivery counts, nak with a
// delay, term, max_deliver, and a log of what happened to each delivery.
import type { RangeResult, RangeWork } from "../../core/distributed/messages.ts";
import type { Delivery, ResultBus, WorkQueue } from "../../core/distributed/work_queue.ts";

export class MemoryQueue implements WorkQueue, ResultBus {
  readonly events: string[] = [];
  readonly results: RangeResult[] = [];
  #ready: { work: RangeWork; n: number }[] = [];
  #open = 0;

  constructor(works: RangeWork[], private maxDeliver = 3) {
    this.#ready = works.map((work) => ({ work, n: 0 }));
    this.#open = works.length;
  }

  /** Puts a range back as if the server redelivered it (an ack_wait that expired). */
  redeliver(work: RangeWork, n: number) {
    this.#open++;
    this.#ready.push({ work, n });
  }

  get settled() {
    return this.#open === 0;
  }

  next(waitMs: number): Promise<Delivery | undefined> {
    const item = this.#ready.shift();
    if (!item) return new Promise((r) => setTimeout(() => r(undefined), Math.min(waitMs, 10)));
    const n = item.n + 1;
    const key = item.work.key;
    const settle = (what: string) => {
      this.events.push(`${what} ${key} #${n}`);
      this.#open--;
    };
    return Promise.resolve({
      work: item.work,
      deliveries: n,
      working: () => {},
      ack: () => Promise.resolve(settle("ack")),
      nak: (delayMs: number) => {
        this.events.push(`nak ${key} #${n} ${delayMs}ms`);
        if (n >= this.maxDeliver) return settle("gone");
        setTimeout(() => this.#ready.push({ work: item.work, n }), 1);
      },
      term: () => settle("term"),
    });
  }

  publishResult(result: RangeResult): Promise<void> {
    this.results.push(result);
    return Promise.resolve();
  }
}
