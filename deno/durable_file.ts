// Pieces of crash-safe file writing shared by the output storage and the model cache: a temp name no other
// writer uses, a write that reaches the disk before it is renamed into place, and a durable rename.

/** `${path}.tmp.<pid>.<random>`: the pid alone is shared by every worker thread of a process, and by hosts
 * (containers often run as pid 1) that write to one shared folder. */
export function uniqueTempName(path: string): string {
  return `${path}${TMP_MARK}${Deno.pid}.${crypto.randomUUID().slice(0, 8)}`;
}

/** What marks a temp file left by a killed writer. */
export const TMP_MARK = ".tmp.";

/** Writes all of `data` and fsyncs it, so a later rename never exposes a torn file. */
export async function writeSynced(path: string, data: Uint8Array): Promise<void> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    let off = 0;
    while (off < data.length) off += await file.write(data.subarray(off));
    await file.sync();
  } finally {
    file.close();
  }
}

/** Makes a rename durable (ext4/XFS need the directory entry flushed too). */
export async function syncDir(dir: string): Promise<void> {
  try {
    const d = await Deno.open(dir, { read: true });
    try {
      await d.sync();
    } finally {
      d.close();
    }
  } catch {
    // Some platforms cannot open or fsync a directory; the rename is still atomic.
  }
}
