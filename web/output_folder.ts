// The page's outputs in the Origin Private File System: outputs/<id>/ holds one output (shards, failed files,
// manifest: what the zip holds), pending/<id>/ its row journal, identities/<id>.json what the output is for.
import type { OutputFormat } from "../core/config/types.ts";
import type { Logger } from "../core/log.ts";
import { decodeJsonIndices, decodeShard } from "../core/sink/shard_format.ts";
import { DETAILS_RE, SHARD_RE } from "../core/sink/shard_names.ts";
import { opfsFolder, OpfsStorage } from "./opfs_storage.ts";
import type { OutputIdentity } from "./output_identity.ts";
import { codebooksOf } from "../core/sink/sidecar.ts";
import { RowJournal } from "./row_journal.ts";

export interface RowResult {
  tokens?: Int32Array;
  error?: string;
}

export interface OpenedOutput {
  id: string;
  identity: OutputIdentity;
  storage: OpfsStorage;
  journal: RowJournal;
  rows: Map<number, RowResult>;
  /** Rows recovered from the journal on this open (finished before the page closed). */
  recovered: number;
}

const FOLDERS = ["outputs", "pending", "identities"];

/** Opens (or creates) the output of `identity`: settles its journal, then reads its rows for the results. */
export async function openOutput(id: string, identity: OutputIdentity, logger: Logger, settle: boolean): Promise<OpenedOutput> {
  const storage = new OpfsStorage(`outputs/${id}`, "browser storage");
  const journal = new RowJournal(id);
  const format = identity.output.format as OutputFormat;
  const recovered = settle ? await journal.settle(storage, format, codebooksOf(identity.generation.bandwidth), logger) : 0;
  await new OpfsStorage("identities").write(`${id}.json`, new TextEncoder().encode(JSON.stringify(identity)));
  return { id, identity, storage, journal, rows: await readRows(storage), recovered };
}

/** Every row the output holds: tokens from the token shards, reasons from the failed details; done wins. */
export async function readRows(storage: OpfsStorage): Promise<Map<number, RowResult>> {
  const rows = new Map<number, RowResult>();
  const names = await storage.list();
  for (const name of names.filter((n) => SHARD_RE.test(n))) {
    try {
      for (const r of await decodeShard(name, (await storage.read(name))!)) rows.set(r.index, { tokens: Int32Array.from(r.tokens) });
    } catch {
      // the pipeline quarantines an unreadable shard at the next run and redoes its rows
    }
  }
  for (const name of names.filter((n) => DETAILS_RE.test(n))) {
    try {
      const details = JSON.parse(new TextDecoder().decode(await storage.read(name))) as { index: number; error: string }[];
      for (const f of details) if (!rows.has(f.index)) rows.set(f.index, { error: String(f.error) });
    } catch {
      const failed = decodeJsonIndices((await storage.read(name.replace("details", "indices")))!);
      for (const i of failed) if (!rows.has(i)) rows.set(i, { error: "failed (no details stored)" });
    }
  }
  return rows;
}

/** Bytes of all stored outputs and how many there are. */
export async function storedOutputs(): Promise<{ count: number; bytes: number }> {
  const root = await opfsFolder("outputs", false);
  let count = 0, bytes = 0;
  if (!root) return { count, bytes };
  // deno-lint-ignore no-explicit-any
  for await (const [name, handle] of (root as any).entries() as AsyncIterable<[string, FileSystemHandle]>) {
    if (handle.kind !== "directory") continue;
    count++;
    bytes += await new OpfsStorage(`outputs/${name}`).size();
  }
  return { count, bytes };
}

/** Removes one output (`id`) or all of them. */
export async function clearOutputs(id?: string) {
  const root = await navigator.storage.getDirectory();
  const remove = async (dir: FileSystemDirectoryHandle | undefined, name: string) => {
    await dir?.removeEntry(name, { recursive: true }).catch((e: DOMException) => {
      if (e.name !== "NotFoundError") throw e;
    });
  };
  if (id === undefined) for (const f of FOLDERS) await remove(root, f);
  else {
    await remove(await opfsFolder("outputs", false), id);
    await remove(await opfsFolder("pending", false), id);
    await remove(await opfsFolder("identities", false), `${id}.json`);
  }
}
