// SpillFiles on the local disk: one file per bucket in a private temp folder, appends buffered per bucket.
import type { SpillFiles } from "../core/combine/spill.ts";

const FLUSH_BYTES = 1 << 16;

export async function openSpillFiles(parent: string): Promise<SpillFiles> {
  const dir = await Deno.makeTempDir({ dir: parent, prefix: ".combine_spill_" });
  const pending = new Map<number, string[]>();
  const sizes = new Map<number, number>();
  const encoder = new TextEncoder();
  const flush = async (bucket: number) => {
    const lines = pending.get(bucket);
    if (!lines?.length) return;
    await Deno.writeFile(`${dir}/${bucket}`, encoder.encode(lines.join("\n") + "\n"), { append: true });
    pending.set(bucket, []);
    sizes.set(bucket, 0);
  };
  return {
    async append(bucket, line) {
      const lines = pending.get(bucket) ?? [];
      lines.push(line);
      pending.set(bucket, lines);
      const size = (sizes.get(bucket) ?? 0) + line.length + 1;
      sizes.set(bucket, size);
      if (size >= FLUSH_BYTES) await flush(bucket);
    },
    async *lines(bucket) {
      await flush(bucket);
      let file: Deno.FsFile;
      try {
        file = await Deno.open(`${dir}/${bucket}`);
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return;
        throw e;
      }
      // Our own lines: UTF-8 written by append, "\n"-terminated, so a plain split is exact.
      let rest = "";
      for await (const chunk of file.readable.pipeThrough(new TextDecoderStream())) {
        const parts = (rest + chunk).split("\n");
        rest = parts.pop()!;
        yield* parts;
      }
    },
    async dispose() {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
