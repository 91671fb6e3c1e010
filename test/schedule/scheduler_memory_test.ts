// What the scheduler keeps must not grow with the rows processed. Peak RSS is measured by the pipeline bench;
// these tests pin the two mechanisms that held every row's tokens before.
import assert from "node:assert/strict";
import { schedule } from "../../core/schedule/scheduler.ts";
import type { WorkerFactory } from "../../core/schedule/worker_handle.ts";
import type { SourceRow } from "../../core/source/text_source.ts";
import { nullLogger } from "../../core/log.ts";
import { inProcessFactory } from "../fakes/in_process_workers.ts";

async function* rows(n: number): AsyncIterable<SourceRow> {
  for (let i = 0; i < n; i++) yield { index: i, text: `text ${i}` };
}

const base = { workerDevices: ["cpu", "cpu"], batchSize: 4, maxAttempts: 3, itemTimeoutMs: 2000, tts: { seed: 1 }, logger: nullLogger };

Deno.test("a worker's long-lived `died` promise gets one subscription per worker, not one per batch (each held its batch's tokens)", async () => {
  const fakes = inProcessFactory({ models: {}, bandwidth: 1.5, extra: { instant: true } });
  let subscriptions = 0;
  const factory: WorkerFactory = async (id, device) => {
    const handle = await fakes(id, device);
    const died = handle.died;
    const then = died.then.bind(died);
    died.then = ((...a: Parameters<typeof then>) => (subscriptions++, then(...a))) as typeof died.then;
    return handle;
  };
  let n = 0;
  for await (const _ of schedule(rows(400), { ...base, factory })) n++;
  assert.equal(n, 400);
  assert.ok(subscriptions <= 2, `${subscriptions} subscriptions to died for 100 batches on 2 workers`);
});

Deno.test("workers wait while finished rows pile up unconsumed (a sink slower than the workers)", async () => {
  const factory = inProcessFactory({ models: {}, bandwidth: 1.5, extra: { instant: true } });
  let taken = 0, maxAhead = 0;
  async function* counted(): AsyncIterable<SourceRow> {
    for await (const r of rows(2000)) {
      taken++;
      yield r;
    }
  }
  let consumed = 0;
  for await (const _ of schedule(counted(), { ...base, factory })) {
    consumed++;
    maxAhead = Math.max(maxAhead, taken - consumed);
    if (consumed % 50 === 0) await new Promise((r) => setTimeout(r, 5)); // a slow disk
  }
  assert.equal(consumed, 2000);
  // 4 batches per worker may wait unconsumed, plus a batch in flight and a read-ahead per worker.
  assert.ok(maxAhead <= 4 * 4 * 2 + 3 * 4 * 2, `rows read but not consumed reached ${maxAhead}`);
});
