// The sha256 and size of output files, for a resume that checks every shard against its sidecar. A storage
// that can hash off the main thread (the file system, in a worker) does; any other is read and hashed here,
// a few files ahead of the one being asked for.
import { sha256Hex } from "../sha256.ts";
import type { FileDigest, Storage } from "./storage.ts";

export type { FileDigest } from "./storage.ts";

const READ_AHEAD = 8;

/** Digests of `paths`, in the same order. */
export function fileDigests(storage: Storage, paths: string[]): AsyncIterable<FileDigest> {
  return storage.digests ? storage.digests(paths) : readAndHash(storage, paths);
}

async function* readAndHash(storage: Storage, paths: string[]): AsyncIterable<FileDigest> {
  const one = async (path: string): Promise<FileDigest> => {
    try {
      const bytes = await storage.read(path);
      return bytes ? { path, sha256: await sha256Hex(bytes), bytes: bytes.length } : { path, missing: true };
    } catch (e) {
      return { path, error: (e as Error).message };
    }
  };
  const ahead: Promise<FileDigest>[] = [];
  for (let n = 0; n < paths.length; n++) {
    while (ahead.length < READ_AHEAD && n + ahead.length < paths.length) ahead.push(one(paths[n + ahead.length]));
    yield await ahead.shift()!;
  }
}
