// Hashes files for FsStorage.digests, off the main thread: a resume checks every shard's sha256 while the main
// thread decodes sidecars. Synchronous reads into one reused buffer: per-call async overhead and fresh memory
// for each file cost more than the hashing itself.
import { createHash } from "node:crypto";

export type DigestReply =
  | { sha256: string; bytes: number }
  | { missing: true }
  | { error: string };

const buffer = new Uint8Array(1 << 20);

function digest(path: string): DigestReply {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path);
  } catch (e) {
    return e instanceof Deno.errors.NotFound ? { missing: true } : { error: (e as Error).message };
  }
  try {
    const hash = createHash("sha256");
    let bytes = 0;
    for (;;) {
      const n = file.readSync(buffer);
      if (n === null) break;
      hash.update(buffer.subarray(0, n));
      bytes += n;
    }
    return { sha256: hash.digest("hex"), bytes };
  } catch (e) {
    return { error: (e as Error).message };
  } finally {
    file.close();
  }
}

const scope = self as unknown as Worker;
scope.onmessage = (e: MessageEvent<string[]>) => {
  for (const path of e.data) scope.postMessage(digest(path));
};
