// Dead letters: when a range was delivered max_deliver times without an ack (each worker holding it died or
// stopped heartbeating), the server publishes a max-deliveries advisory, which the job's DEAD stream keeps until
// the coordinator turns it into a `dead` result and removes the range from the work stream.
import type { Consumer, JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { Logger } from "../../core/log.ts";
import { decodeRange } from "../../core/distributed/messages.ts";
import type { JobNames } from "../../core/distributed/names.ts";
import { publishResult, readResult } from "./records.ts";
import { isNotFound } from "./topology.ts";

interface MaxDeliveriesAdvisory {
  stream_seq: number;
  deliveries: number;
}

/** Handles every advisory waiting in the DEAD stream; returns how many ranges were recorded dead. */
export async function drainDeadLetters(dead: Consumer, jsm: JetStreamManager, js: JetStreamClient, n: JobNames, logger: Logger): Promise<number> {
  let recorded = 0;
  for (let waiting = (await dead.info()).num_pending; waiting > 0; waiting--) {
    const m = await dead.next({ expires: 1_000 });
    if (!m) break;
    const adv = JSON.parse(new TextDecoder().decode(m.data)) as MaxDeliveriesAdvisory;
    const stored = await jsm.streams.getMessage(n.workStream, { seq: adv.stream_seq }).catch((e) => {
      if (isNotFound(e)) return null;
      throw e;
    });
    if (stored) {
      const { key } = decodeRange(stored.data);
      if (!await readResult(jsm, n, "done", key)) {
        const error = `no worker finished it in ${adv.deliveries} deliveries (the workers holding it died or stopped heartbeating)`;
        await publishResult(js, n, { key, state: "dead", rows: 0, failed: 0, deliveries: adv.deliveries, error, at: new Date().toISOString() });
        logger.warn(`range ${key}: ${error}`);
        recorded++;
      }
      await jsm.streams.deleteMessage(n.workStream, adv.stream_seq).catch((e) => {
        if (!isNotFound(e)) throw e;
      });
    }
    await m.ackAck();
  }
  return recorded;
}
