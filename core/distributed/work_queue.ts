// The seams between the distributed worker loop (core) and a message broker (deno/nats/ implements them on
// JetStream; tests use an in-memory queue).
import type { RangeResult, RangeWork } from "./messages.ts";

/** One delivery of a range to this worker. */
export interface Delivery {
  readonly work: RangeWork;
  /** 1 on the first delivery, 2 on the first redelivery, ... */
  readonly deliveries: number;
  /** Keeps the lease: the broker restarts the range's ack timer. */
  working(): void;
  /** The range is durable in the output: the broker may forget it. Resolves once the broker confirmed (waiting
   * through a reconnect); call it once. */
  ack(): Promise<void>;
  /** Give the range back, to be redelivered after `delayMs`. */
  nak(delayMs: number): void;
  /** Never deliver this range again (it is dead). */
  term(reason: string): void;
}

export interface WorkQueue {
  /** The next range, or undefined when none came within `waitMs`. Throws while the broker is unreachable. */
  next(waitMs: number): Promise<Delivery | undefined>;
}

export interface ResultBus {
  /** Records a range's fate for the coordinator; the last record per range wins. */
  publishResult(result: RangeResult): Promise<void>;
}
