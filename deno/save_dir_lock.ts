// One writer per save_dir: `.ichigo.lock` holds the holder's host, pid and a heartbeat. It is created atomically
// (O_EXCL); a second run is refused at once naming the holder. A lock whose holder is gone (its pid is dead on
// this host, or no heartbeat for ICHIGO_LOCK_STALE_S seconds, default 60, on a folder shared between hosts) is
// taken over with a warning. The heartbeat also checks the lock is still ours: if another run took it (it
// judged us stale), `lost` fires and the run stops before it writes more.
import { StorageError } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";
import { syncDir, uniqueTempName, writeSynced } from "./durable_file.ts";

export const LOCK_FILE = ".ichigo.lock";

export interface LockInfo {
  host: string;
  pid: number;
  /** What holds it, e.g. "deno task run" or "NATS coordinator of job ichigo_1234abcd". */
  what: string;
  started: string;
  heartbeat: string;
  token: string;
}

export interface LockOptions {
  logger: Logger;
  what: string;
  /** Seconds without a heartbeat after which a holder on another host counts as gone. */
  staleS?: number;
  heartbeatS?: number;
}

export class SaveDirLock {
  readonly #lost = new AbortController();
  #timer: ReturnType<typeof setInterval> | undefined;
  #released = false;

  private constructor(private path: string, private info: LockInfo, private logger: Logger) {}

  /** Fires when another run took the lock over (this one then must stop writing). */
  get lost(): AbortSignal {
    return this.#lost.signal;
  }

  static async take(dir: string, o: LockOptions): Promise<SaveDirLock> {
    const staleMs = 1000 * (o.staleS ?? (Number(Deno.env.get("ICHIGO_LOCK_STALE_S")) || 60));
    const heartbeatMs = 1000 * (o.heartbeatS ?? Math.max(0.2, staleMs / 6000));
    const path = `${dir}/${LOCK_FILE}`;
    const now = new Date().toISOString();
    const info: LockInfo = { host: Deno.hostname(), pid: Deno.pid, what: o.what, started: now, heartbeat: now, token: crypto.randomUUID() };
    for (let attempt = 0;; attempt++) {
      if (await createExclusive(path, info)) break;
      const holder = await readLock(path);
      if (holder === "absent") continue; // released between our two calls
      if (holder === "torn") {
        // Being written this instant, or left torn by a crash: look again shortly, then treat it as stale.
        if (attempt < 5) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
      } else if (!(await isStale(holder, staleMs))) {
        const age = Math.round((Date.now() - Date.parse(holder.heartbeat)) / 1000);
        throw new StorageError(`${dir}: in use by another run (${holder.what}, host ${holder.host}, pid ${holder.pid}, since ` +
          `${holder.started}, last heartbeat ${age} s ago); one writer per save_dir: wait for it to finish or stop it (${path})`);
      }
      if (attempt > 8) throw new StorageError(`${path}: cannot take the lock (it keeps changing); is another run starting?`);
      const who = holder === "torn" ? "an unreadable lock" : `the lock of ${holder.what} (host ${holder.host}, pid ${holder.pid}, last heartbeat ${holder.heartbeat})`;
      o.logger.warn(`${dir}: taking over ${who}: its holder is gone`);
      await Deno.remove(path).catch(() => {});
    }
    const lock = new SaveDirLock(path, info, o.logger);
    lock.#timer = setInterval(() => lock.#beat().catch(() => {}), heartbeatMs);
    Deno.unrefTimer(lock.#timer);
    return lock;
  }

  async #beat() {
    if (this.#released) return;
    const holder = await readLock(this.path);
    if (holder === "torn") return; // another taker is writing: the next beat decides
    if (holder === "absent" || holder.token !== this.info.token) {
      clearInterval(this.#timer);
      this.logger.error(`${this.path}: another run took this save_dir over (it judged this run gone); stopping`);
      this.#lost.abort();
      return;
    }
    this.info.heartbeat = new Date().toISOString();
    const tmp = uniqueTempName(this.path);
    await writeSynced(tmp, encode(this.info));
    await Deno.rename(tmp, this.path).catch(() => Deno.remove(tmp).catch(() => {}));
  }

  /** Removes the lock if it is still ours. */
  async release() {
    if (this.#released) return;
    this.#released = true;
    clearInterval(this.#timer);
    const holder = await readLock(this.path);
    if (holder !== "absent" && holder !== "torn" && holder.token === this.info.token) await Deno.remove(this.path).catch(() => {});
  }
}

const encode = (info: LockInfo) => new TextEncoder().encode(JSON.stringify(info) + "\n");

async function createExclusive(path: string, info: LockInfo): Promise<boolean> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { write: true, createNew: true });
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw new StorageError(`${path}: cannot create the save_dir lock (${(e as Error).message})`);
  }
  try {
    const bytes = encode(info);
    let off = 0;
    while (off < bytes.length) off += await file.write(bytes.subarray(off));
    await file.sync();
  } finally {
    file.close();
  }
  await syncDir(path.slice(0, path.lastIndexOf("/")));
  return true;
}

async function readLock(path: string): Promise<LockInfo | "absent" | "torn"> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "absent";
    throw new StorageError(`${path}: cannot read the save_dir lock (${(e as Error).message})`);
  }
  try {
    const v = JSON.parse(text);
    if (typeof v?.host === "string" && Number.isSafeInteger(v.pid) && typeof v.heartbeat === "string" && typeof v.token === "string") {
      return { what: String(v.what ?? "a run"), started: String(v.started ?? v.heartbeat), ...v };
    }
  } catch {
    // fall through
  }
  return "torn";
}

async function isStale(holder: LockInfo, staleMs: number): Promise<boolean> {
  const age = Date.now() - Date.parse(holder.heartbeat);
  if (!(age < staleMs)) return true; // also an unparsable date
  if (holder.host !== Deno.hostname()) return false;
  return !(await pidAlive(holder.pid));
}

/** Whether a process of this host is alive (Linux /proc; elsewhere the heartbeat alone decides). */
async function pidAlive(pid: number): Promise<boolean> {
  if (Deno.build.os !== "linux") return true;
  try {
    await Deno.stat(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}
