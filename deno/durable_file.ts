// Pieces of crash-safe file writing shared by the output storage and the model cache: a temp name no other
// writer uses, a write that reaches the disk before it is renamed into place, and a durable rename.

/** `${path}.ichigo-tmp.<pid>.<8 hex>`: the pid alone is shared by every worker thread of a process, and by hosts
 * (containers often run as pid 1) that write to one shared folder. */
export function uniqueTempName(path: string): string {
  return `${path}${TMP_MARK}${Deno.pid}.${crypto.randomUUID().slice(0, 8)}`;
}

/** What marks a temp file of this tool. */
export const TMP_MARK = ".ichigo-tmp.";

/** The one pattern of this tool's temp files; group 1 is the name of the file it was going to become. */
export const TMP_RE = /^(.+)\.ichigo-tmp\.\d+\.[0-9a-f]{8}$/;

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
