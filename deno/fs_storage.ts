// Storage on the local file system: temp file in the same folder, fsync, rename, fsync the folder.
// A kill at any instant leaves either the old file or the new one, never a prefix.
import { StorageError } from "../core/errors.ts";
import type { Storage } from "../core/sink/storage.ts";
import { syncDir, TMP_MARK, uniqueTempName, writeSynced } from "./durable_file.ts";

// Failpoint for the reliability tests: hold every write between fsync and rename, so kills land mid-write.
const WRITE_DELAY_MS = Number(Deno.env.get("ICHIGO_FAILPOINT_WRITE_DELAY_MS") ?? 0);

export class FsStorage implements Storage {
  private constructor(readonly label: string, private dir: string) {}

  /** Creates the folder if needed, checks it is writable, and removes temp files a killed run left. With
   * `shared` (scale-out: other processes, maybe on other hosts, write here now) only temp files older than an
   * hour are removed, never one another writer is about to rename. */
  static async open(dir: string, options: { shared?: boolean } = {}): Promise<FsStorage> {
    try {
      await Deno.mkdir(dir, { recursive: true });
      const probe = uniqueTempName(`${dir}/.write_probe`);
      await Deno.writeFile(probe, new Uint8Array([1]));
      await Deno.remove(probe);
    } catch (e) {
      throw new StorageError(`${dir}: save_dir is not writable (${(e as Error).message})`);
    }
    const storage = new FsStorage(dir, dir);
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.isFile || !entry.name.includes(TMP_MARK)) continue;
      if (options.shared && !await olderThan(`${dir}/${entry.name}`, SHARED_TMP_AGE_MS)) continue;
      await Deno.remove(`${dir}/${entry.name}`).catch(() => {});
    }
    return storage;
  }

  async write(path: string, data: Uint8Array): Promise<void> {
    const full = `${this.dir}/${path}`;
    const folder = full.slice(0, full.lastIndexOf("/"));
    const tmp = uniqueTempName(full);
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

  async read(path: string): Promise<Uint8Array | undefined> {
    try {
      return await Deno.readFile(`${this.dir}/${path}`);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw new StorageError(`${this.dir}/${path}: cannot read (${(e as Error).message})`);
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
    await Deno.remove(`${this.dir}/${path}`).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
  }
}

const SHARED_TMP_AGE_MS = 3_600_000;

async function olderThan(path: string, ms: number): Promise<boolean> {
  const mtime = (await Deno.stat(path).catch(() => undefined))?.mtime;
  return mtime !== null && mtime !== undefined && Date.now() - mtime.getTime() > ms;
}
