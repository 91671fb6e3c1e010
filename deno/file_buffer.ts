// hyparquet AsyncBuffer over a local file: reads only the byte ranges asked for.
import type { AsyncBuffer } from "hyparquet";

export async function asyncBufferFromPath(path: string): Promise<AsyncBuffer & { close(): void }> {
  const file = await Deno.open(path, { read: true });
  const { size } = await file.stat();
  return {
    byteLength: size,
    async slice(start: number, end = size): Promise<ArrayBuffer> {
      const out = new Uint8Array(Math.max(0, end - start));
      await file.seek(start, Deno.SeekMode.Start);
      let filled = 0;
      while (filled < out.length) {
        const n = await file.read(out.subarray(filled));
        if (n === null) break;
        filled += n;
      }
      return out.buffer;
    },
    close: () => file.close(),
  };
}
