// The save_dir lock on its own: a live holder refuses, a dead or silent one is taken over, a run whose lock was
// taken over learns it (and stops writing), and release removes only its own lock.
import assert from "node:assert/strict";
import { StorageError } from "../../core/errors.ts";
import type { Logger } from "../../core/log.ts";
import { LOCK_FILE, SaveDirLock } from "../../deno/save_dir_lock.ts";

const logs: string[] = [];
const logger: Logger = { debug() {}, info() {}, warn: (m) => logs.push(m), error: (m) => logs.push(m) };
const plant = (dir: string, host: string, pid: number, secondsAgo: number) =>
  Deno.writeTextFileSync(`${dir}/${LOCK_FILE}`, JSON.stringify({ host, pid, what: "deno task run", started: "then", heartbeat: new Date(Date.now() - secondsAgo * 1000).toISOString(), token: "theirs" }));

Deno.test("lock: a live holder (this host's live pid, or another host's fresh heartbeat) is refused naming it", async () => {
  const dir = await Deno.makeTempDir();
  const a = await SaveDirLock.take(dir, { logger, what: "deno task run" });
  await assert.rejects(SaveDirLock.take(dir, { logger, what: "second" }), (e: Error) =>
    e instanceof StorageError && e.message.includes(`in use by another run (deno task run, host ${Deno.hostname()}, pid ${Deno.pid},`));
  await a.release();
  assert.throws(() => Deno.statSync(`${dir}/${LOCK_FILE}`), Deno.errors.NotFound);
  plant(dir, "other-host", 1, 5);
  await assert.rejects(SaveDirLock.take(dir, { logger, what: "x", staleS: 60 }), /host other-host, pid 1,.*last heartbeat 5 s ago/);
});

Deno.test("lock: a dead pid on this host, or no heartbeat for staleS from another host, is taken over with a warning", async () => {
  const dir = await Deno.makeTempDir();
  plant(dir, Deno.hostname(), 2 ** 22 + 11, 1);
  const a = await SaveDirLock.take(dir, { logger, what: "x" });
  assert.match(logs.at(-1)!, /taking over the lock of deno task run \(host .*, pid 4194315.*its holder is gone/);
  await a.release();
  plant(dir, "other-host", 1, 120);
  const b = await SaveDirLock.take(dir, { logger, what: "x", staleS: 60 });
  assert.match(logs.at(-1)!, /host other-host/);
  await b.release();
});

Deno.test("lock: a run whose lock was taken over learns it at its next heartbeat; its release leaves the new lock", async () => {
  const dir = await Deno.makeTempDir();
  const a = await SaveDirLock.take(dir, { logger, what: "x", heartbeatS: 0.05 });
  plant(dir, "other-host", 1, 0);
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(a.lost.aborted);
  await a.release();
  assert.match(Deno.readTextFileSync(`${dir}/${LOCK_FILE}`), /other-host/);
});
