// The worker's WorkQueue and ResultBus on JetStream: a durable pull consumer shared by every worker.
import type { Consumer, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "../../core/log.ts";
import { decodeRange, type RangeResult, type RangeWork } from "../../core/distributed/messages.ts";
import type { JobNames } from "../../core/distributed/names.ts";
import type { Delivery, ResultBus, WorkQueue } from "../../core/distributed/work_queue.ts";
import { publishResult } from "./records.ts";

/** Long enough to ride out a server restart: the ack waits in the client's buffer and is confirmed after. */
const ACK_TIMEOUT_MS = 30_000;

export class JetStreamQueue implements WorkQueue {
  constructor(private consumer: Consumer, private logger: Logger) {}

  async next(waitMs: number): Promise<Delivery | undefined> {
    const m = await this.consumer.next({ expires: Math.max(1_000, waitMs) });
    if (!m) return undefined;
    let work: RangeWork;
    try {
      work = decodeRange(m.data);
    } catch (e) {
      // Not ours to fix by retrying: never deliver it again (the coordinator sees it left over).
      this.logger.error(`${m.subject}: ${(e as Error).message}; terminated`);
      m.term("unreadable range message");
      return undefined;
    }
    return new JetStreamDelivery(m, work);
  }
}

class JetStreamDelivery implements Delivery {
  readonly deliveries: number;
  constructor(private m: JsMsg, readonly work: RangeWork) {
    this.deliveries = m.info.deliveryCount;
  }
  working() {
    this.m.working();
  }
  async ack() {
    if (!await this.m.ackAck({ timeout: ACK_TIMEOUT_MS })) throw new Error("already acknowledged");
  }
  nak(delayMs: number) {
    this.m.nak(delayMs);
  }
  term(reason: string) {
    this.m.term(reason);
  }
}

export class JetStreamResults implements ResultBus {
  constructor(private js: JetStreamClient, private names: JobNames) {}
  publishResult(result: RangeResult): Promise<void> {
    return publishResult(this.js, this.names, result);
  }
}
