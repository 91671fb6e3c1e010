// A Storage on the Origin Private File System: the page's output survives a reload or a crashed tab. Each write
// goes to a uniquely named temp file that is closed (committed) and then moved over the target, so a reader sees
// the old bytes or the new, never a prefix. Paths are "/"-separated; folders are made as needed.
import type { Storage } from "../core/sink/storage.ts";

const TEMP_PREFIX = ".tmp-";

/** The OPFS folder `path` ("a/b"), made when `create`; undefined when absent. */
export async function opfsFolder(path: string, create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
  let dir = await navigator.storage.getDirectory();
  for (const part of path.split("/").filter(Boolean)) {
    try {
      dir = await dir.getDirectoryHandle(part, { create });
    } catch (e) {
      if (!create && (e as DOMException).name === "NotFoundError") return undefined;
      throw e;
    }
  }
  return dir;
}

function split(path: string): { folders: string[]; name: string } {
  const parts = path.split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..")) throw new Error(`${path}: not a relative file path`);
  return { folders: parts.slice(0, -1), name: parts[parts.length - 1] };
}

export class OpfsStorage implements Storage {
  readonly label: string;
  /** `folder`: where in the OPFS this storage lives ("outputs/abc"). */
  constructor(readonly folder: string, label?: string) {
    this.label = label ?? `browser storage/${folder}`;
  }

  async #dirOf(path: string, create: boolean) {
    const { folders, name } = split(path);
    const dir = await opfsFolder([this.folder, ...folders].join("/"), create);
    return { dir, name };
  }

  async write(path: string, data: Uint8Array): Promise<void> {
    const { dir, name } = await this.#dirOf(path, true);
    const tempName = `${TEMP_PREFIX}${name}-${crypto.randomUUID()}`;
    const temp = await dir!.getFileHandle(tempName, { create: true });
    try {
      const w = await temp.createWritable();
      await w.write(data as Uint8Array<ArrayBuffer>);
      await w.close();
      // deno-lint-ignore no-explicit-any
      await (temp as any).move(dir, name); // replaces an existing `name` in one step (Chromium, Firefox, Safari)
    } catch (e) {
      await dir!.removeEntry(tempName).catch(() => {});
      throw e;
    }
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    const { dir, name } = await this.#dirOf(path, false);
    if (!dir) return undefined;
    try {
      const file = await (await dir.getFileHandle(name)).getFile();
      return new Uint8Array(await file.arrayBuffer());
    } catch (e) {
      const n = (e as DOMException).name;
      if (n === "NotFoundError" || n === "TypeMismatchError") return undefined;
      throw e;
    }
  }

  async list(prefix = ""): Promise<string[]> {
    const root = await opfsFolder(this.folder, false);
    const out: string[] = [];
    const walk = async (dir: FileSystemDirectoryHandle, at: string) => {
      // deno-lint-ignore no-explicit-any
      for await (const [name, handle] of (dir as any).entries() as AsyncIterable<[string, FileSystemHandle]>) {
        if (name.startsWith(TEMP_PREFIX)) continue; // a write cut short by a crash: never part of the output
        const path = at + name;
        if (handle.kind === "directory") await walk(handle as FileSystemDirectoryHandle, `${path}/`);
        else if (path.startsWith(prefix)) out.push(path);
      }
    };
    if (root) await walk(root, "");
    return out.sort();
  }

  async remove(path: string): Promise<void> {
    const { dir, name } = await this.#dirOf(path, false);
    await dir?.removeEntry(name).catch((e: DOMException) => {
      if (e.name !== "NotFoundError") throw e;
    });
  }

  /** Bytes held (files only), for the page's "storage used". */
  async size(): Promise<number> {
    let total = 0;
    for (const p of await this.list()) {
      const { dir, name } = await this.#dirOf(p, false);
      total += (await (await dir!.getFileHandle(name)).getFile()).size;
    }
    return total;
  }
}
