// The job's streams and consumers on JetStream. The coordinator creates or updates them (so max_deliver and
// ack_wait follow the config); workers and the status command only bind to what exists.
import {
  AckPolicy,
  type Consumer,
  type ConsumerConfig,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import type { DistributedConfig } from "../../core/config/types.ts";
import type { JobNames } from "../../core/distributed/names.ts";

const DEAD_CONSUMER = "coordinator";
const THIRTY_DAYS_NS = nanos(30 * 86_400_000);

export async function ensureJobStreams(jsm: JetStreamManager, n: JobNames, d: DistributedConfig): Promise<void> {
  await upsertStream(jsm, {
    name: n.workStream,
    subjects: [n.rangeSubjects],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: nanos(d.dedup_window_s * 1000),
  });
  await upsertStream(jsm, {
    name: n.stateStream,
    subjects: [n.resultSubjects, n.workerSubjects, n.jobSubject],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_msgs_per_subject: 1,
  });
  await upsertStream(jsm, {
    name: n.deadStream,
    subjects: [n.advisorySubject],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: THIRTY_DAYS_NS,
  });
  await upsertConsumer(jsm, n.workStream, {
    durable_name: n.consumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(d.ack_wait_s * 1000),
    max_deliver: d.max_deliver,
    max_ack_pending: 10_000,
  });
  await upsertConsumer(jsm, n.deadStream, { durable_name: DEAD_CONSUMER, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All });
}

/** The workers' consumer, or undefined while the coordinator has not created it yet. */
export async function bindWorkConsumer(js: JetStreamClient, n: JobNames): Promise<Consumer | undefined> {
  try {
    return await js.consumers.get(n.workStream, n.consumer);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export const bindDeadConsumer = (js: JetStreamClient, n: JobNames) => js.consumers.get(n.deadStream, DEAD_CONSUMER);

export function isNotFound(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === 10059 || code === 10014 || code === 10037 || /not found/i.test((e as Error)?.message ?? "");
}

async function upsertStream(jsm: JetStreamManager, cfg: Partial<StreamConfig> & { name: string }) {
  try {
    await jsm.streams.info(cfg.name);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await jsm.streams.add(cfg);
    return;
  }
  const { name, retention: _r, storage: _s, ...mutable } = cfg;
  await jsm.streams.update(name, mutable);
}

async function upsertConsumer(jsm: JetStreamManager, stream: string, cfg: Partial<ConsumerConfig> & { durable_name: string }) {
  try {
    await jsm.consumers.info(stream, cfg.durable_name);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await jsm.consumers.add(stream, cfg);
    return;
  }
  await jsm.consumers.update(stream, cfg.durable_name, { ack_wait: cfg.ack_wait, max_deliver: cfg.max_deliver });
}
