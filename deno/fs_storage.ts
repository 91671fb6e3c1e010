// Storage on the local file system: temp file in the same folder, fsync, rename, fsync the folder.
// A kill at any instant leaves either the old file or the new one, never a prefix.
import { StorageError } from "../core/errors.ts";
import type { FileDigest, Storage } from "../core/sink/storage.ts";
import type { DigestReply } from "./digest_worker.ts";
import { isOwnOutputName } from "../core/sink/shard_names.ts";
import { syncDir, TMP_MARK, TMP_RE, uniqueTempName, writeSynced } from "./durable_file.ts";

// Failpoint for the reliability tests: hold every write between fsync and rename, so kills land mid-write.
const WRITE_DELAY_MS = Number(Deno.env.get("ICHIGO_FAILPOINT_WRITE_DELAY_MS") ?? 0);

export class FsStorage implements Storage {
  private constructor(readonly label: string, private dir: string, private readOnly: boolean) {}

  /** Creates the folder if needed and checks it is writable. Changes nothing else (temp files a killed run left
   * are removed by removeOwnTemps, once the run holds the folder's lock and its job matches). */
  static async open(dir: string): Promise<FsStorage> {
    try {
      await Deno.mkdir(dir, { recursive: true });
      const probe = uniqueTempName(`${dir}/.write_probe`);
      await Deno.writeFile(probe, new Uint8Array([1]));
      await Deno.remove(probe);
    } catch (e) {
      throw new StorageError(`${dir}: save_dir is not writable (${(e as Error).message})`);
    }
    return new FsStorage(dir, dir, false);
  }

  /** For commands that only read (`remaining`): the folder must exist; nothing is created, written or removed. */
  static async openReadOnly(dir: string): Promise<FsStorage> {
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(dir);
    } catch (e) {
      throw new StorageError(`${dir}: save_dir ${e instanceof Deno.errors.NotFound ? "not found" : `cannot be read (${(e as Error).message})`}`);
    }
    if (!info.isDirectory) throw new StorageError(`${dir}: save_dir is not a folder`);
    return new FsStorage(dir, dir, true);
  }

  /** Removes this tool's temp files (`<name>.ichigo-tmp.<pid>.<8 hex>` of an output file) that killed runs left,
   * in save_dir and quarantine/; nothing else. With `olderThanMs` (a folder other writers share) only those
   * older than that, never one another writer is about to rename. Returns the names removed. */
  async removeOwnTemps(olderThanMs?: number): Promise<string[]> {
    const removed: string[] = [];
    for (const sub of ["", "quarantine/"]) {
      const folder = `${this.dir}/${sub}`;
      if (sub && !(await Deno.lstat(folder).then((i) => i.isDirectory).catch(() => false))) continue;
      for await (const entry of Deno.readDir(folder)) {
        const target = entry.name.match(TMP_RE)?.[1];
        if (!entry.isFile || !target || !(sub || isOwnOutputName(target))) continue;
        if (olderThanMs !== undefined && !await olderThan(`${folder}${entry.name}`, olderThanMs)) continue;
        await Deno.remove(`${folder}${entry.name}`).catch(() => {});
        removed.push(`${sub}${entry.name}`);
      }
    }
    return removed;
  }

  async write(path: string, data: Uint8Array): Promise<void> {
    if (this.readOnly) throw new StorageError(`${this.dir}/${path}: internal: write through a read-only view`);
    const full = `${this.dir}/${path}`;
    const folder = full.slice(0, full.lastIndexOf("/"));
    const tmp = uniqueTempName(full);
    if (path.includes("/")) await this.#ownFolder(path.slice(0, path.lastIndexOf("/")));
    try {
      if (path.includes("/")) await Deno.mkdir(folder, { recursive: true });
      await writeSynced(tmp, data);
      if (WRITE_DELAY_MS > 0) await new Promise((r) => setTimeout(r, WRITE_DELAY_MS));
      await Deno.rename(tmp, full);
      await syncDir(folder);
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      throw new StorageError(`${full}: cannot write (${(e as Error).message})`, { cause: e });
    }
  }

  /** A sub-folder we write into (quarantine/) must be a real folder inside save_dir, never a symbolic link
   * planted to make the tool write elsewhere. */
  async #ownFolder(rel: string) {
    let at = this.dir;
    for (const part of rel.split("/")) {
      at = `${at}/${part}`;
      const info = await Deno.lstat(at).catch(() => undefined);
      if (info?.isSymlink) {
        throw new StorageError(`${at}: is a symbolic link; refusing to write through it (make it a plain folder, or remove it)`);
      }
    }
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    try {
      return await Deno.readFile(`${this.dir}/${path}`);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw new StorageError(`${this.dir}/${path}: cannot read (${(e as Error).message})`);
    }
  }

  /** Hashed in a worker (deno/digest_worker.ts), in order, while the caller goes on with other work. */
  async *digests(paths: string[]): AsyncIterable<FileDigest> {
    if (paths.length === 0) return;
    const worker = new Worker(new URL("./digest_worker.ts", import.meta.url), { type: "module" });
    const replies: (DigestReply | Error)[] = [];
    let wake: (() => void) | undefined;
    worker.onmessage = (e: MessageEvent<DigestReply>) => (replies.push(e.data), wake?.());
    worker.onerror = (e) => (e.preventDefault(), replies.push(new Error(e.message)), wake?.());
    try {
      worker.postMessage(paths.map((p) => `${this.dir}/${p}`));
      for (const path of paths) {
        while (replies.length === 0) await new Promise<void>((r) => wake = r);
        const reply = replies.shift()!;
        if (reply instanceof Error) throw new StorageError(`${this.dir}: cannot hash the output's files (${reply.message})`);
        yield "error" in reply ? { path, error: `${this.dir}/${path}: cannot read (${reply.error})` } : { path, ...reply };
      }
    } finally {
      worker.terminate();
    }
  }

  async list(prefix = ""): Promise<string[]> {
    const out: string[] = [];
    const walk = async (rel: string) => {
      for await (const e of Deno.readDir(rel ? `${this.dir}/${rel}` : this.dir)) {
        const p = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory) await walk(p);
        else if (e.isFile && !e.name.includes(TMP_MARK) && !e.name.startsWith(".") && p.startsWith(prefix)) out.push(p);
      }
    };
    await walk("");
    return out.sort();
  }

  async remove(path: string): Promise<void> {
    if (this.readOnly) throw new StorageError(`${this.dir}/${path}: internal: remove through a read-only view`);
    await Deno.remove(`${this.dir}/${path}`).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
  }
}

async function olderThan(path: string, ms: number): Promise<boolean> {
  const mtime = (await Deno.stat(path).catch(() => undefined))?.mtime;
  return mtime !== null && mtime !== undefined && Date.now() - mtime.getTime() > ms;
}
