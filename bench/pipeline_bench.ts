// Orchestration overhead: rows through source -> scheduler -> 2 Comlink workers (instant fakes) -> CSV shards
// on disk. Target: 100k rows in under 10 s on 2 cores, i.e. orchestration is never the bottleneck.
import { resolveConfig } from "../core/config/load.ts";
import { nullLogger } from "../core/log.ts";
import { runPipeline } from "../core/pipeline.ts";
import type { SourceRow, TextSource } from "../core/source/text_source.ts";
import { FsStorage } from "../deno/fs_storage.ts";
import { createDenoWorkerFactory } from "../deno/worker_pool.ts";

export async function run(args: string[]) {
  const rows = Number(args.find((a) => a.startsWith("--rows="))?.slice(7) ?? 100_000);
  const source: TextSource = {
    label: "synthetic",
    count: () => Promise.resolve(rows),
    async *read() {
      for (let i = 0; i < rows; i++) yield { index: i, text: `synthetic prompt ${i}` } as SourceRow;
    },
  };
  const dir = await Deno.makeTempDir({ prefix: "bench_pipeline_" });
  const config = resolveConfig({
    dataset: { name: "synthetic" },
    processing: { devices: ["cpu"], num_procs_per_device: 2, save_dir: dir, save_batch_size: 1000, batch_size: 64 },
  }, {});
  const factory = createDenoWorkerFactory({
    engineModule: new URL("../test/fakes/fake_engines.ts", import.meta.url).href,
    spec: { models: {}, bandwidth: 1.5, extra: { instant: true } },
    logger: nullLogger,
  });
  const storage = await FsStorage.open(dir);
  const t0 = performance.now();
  const summary = await runPipeline(config, { source, storage, factory, logger: nullLogger });
  const s = (performance.now() - t0) / 1000;
  console.log(`rows: ${summary.done} done, ${summary.failed} failed, ${summary.shards.length} shards`);
  console.log(`time: ${s.toFixed(2)} s  ->  ${(rows / s).toFixed(0)} rows/s, overhead ${((s * 1e6) / rows).toFixed(1)} µs per row`);
  console.log(`target: 100k rows < 10 s: ${rows === 100_000 ? (s < 10 ? "met" : "NOT met") : "(run with the default 100000 rows)"}`);
  await Deno.remove(dir, { recursive: true });
}
