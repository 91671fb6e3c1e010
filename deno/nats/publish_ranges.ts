// Enqueues ranges on the work stream. Each message id is the range key, so publishing again (a restarted
// coordinator) is dropped by the server's duplicate window; ranges already queued are not even sent.
import type { JetStreamClient } from "@nats-io/jetstream";
import { ConfigError } from "../../core/errors.ts";
import { encodeJson, type RangeWork } from "../../core/distributed/messages.ts";
import type { JobNames } from "../../core/distributed/names.ts";
import { retrying } from "../../core/distributed/retry.ts";

/** Publishes in flight at once: enough to hide round trips, small enough to bound memory. */
const WINDOW = 64;

export class RangePublisher {
  #inFlight = new Set<Promise<void>>();
  published = 0;
  duplicates = 0;

  constructor(private js: JetStreamClient, private names: JobNames, private maxPayload: number) {}

  /** `round` > 0 re-enqueues a range the output lacks although it was recorded (a new message id). */
  async publish(work: RangeWork, round = 0): Promise<void> {
    const data = encodeJson(work);
    if (data.length > this.maxPayload) {
      throw new ConfigError(`range ${work.key} is ${data.length} bytes, over the server's max_payload of ${this.maxPayload}: lower distributed.range_size`);
    }
    const msgID = round === 0 ? `${this.names.job}:${work.key}` : `${this.names.job}:${work.key}:redo${round}`;
    const p = retrying(() => this.js.publish(this.names.rangeSubject(work.key), data, { msgID }), 10).then((ack) => {
      if (ack.duplicate) this.duplicates++;
      else this.published++;
    });
    this.#inFlight.add(p);
    p.finally(() => this.#inFlight.delete(p)).catch(() => {});
    if (this.#inFlight.size >= WINDOW) await Promise.race(this.#inFlight);
  }

  /** Waits for every publish; throws the first failure. */
  async flush(): Promise<void> {
    await Promise.all(this.#inFlight);
  }
}
