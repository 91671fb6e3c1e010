// Resume cost: a job of N rows (instant test doubles, CSV shards of 1000 rows) is run once, then run again on
// its finished output. The rerun reads every sidecar, hashes every shard's bytes (no token parsing), re-reads the
// dataset to check each done row's text hash, and finds nothing to do. Prints both wall times, their ratio, the
// scan alone, and the process's peak RSS (VmHWM) after each phase.
import { resolveConfig } from "../core/config/load.ts";
import { nullLogger } from "../core/log.ts";
import { runPipeline } from "../core/pipeline.ts";
import { scanOutput } from "../core/sink/resume.ts";
import type { SourceRow, TextSource } from "../core/source/text_source.ts";
import { FsStorage } from "../deno/fs_storage.ts";
import { createDenoWorkerFactory } from "../deno/worker_pool.ts";

const peakMb = () => {
  const m = Deno.readTextFileSync("/proc/self/status").match(/VmHWM:\s+(\d+) kB/);
  return m ? `${(Number(m[1]) / 1024).toFixed(0)} MB` : "n/a";
};

export async function run(args: string[]) {
  const rows = Number(args.find((a) => a.startsWith("--rows="))?.slice(7) ?? 200_000);
  const source: TextSource = {
    label: "synthetic",
    count: () => Promise.resolve(rows),
    async *read() {
      for (let i = 0; i < rows; i++) yield { index: i, text: `synthetic prompt ${i}` } as SourceRow;
    },
  };
  const dir = await Deno.makeTempDir({ prefix: "bench_resume_" });
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
  let t0 = performance.now();
  const first = await runPipeline(config, { source, storage, factory, logger: nullLogger });
  const firstS = (performance.now() - t0) / 1000;
  console.log(`first run: ${first.done} rows in ${first.shards.length} shards, ${firstS.toFixed(2)} s; peak RSS so far ${peakMb()}`);
  t0 = performance.now();
  const state = await scanOutput(storage, nullLogger, { readOnly: true });
  const scanS = (performance.now() - t0) / 1000;
  console.log(`scan alone: ${state.done.size} rows from ${state.shards.length} shards in ${scanS.toFixed(2)} s`);
  t0 = performance.now();
  const again = await runPipeline(config, { source, storage, factory, logger: nullLogger });
  const resumeS = (performance.now() - t0) / 1000;
  console.log(`resume of the finished job: ${again.skipped} rows already done, ${again.done} done now, ${resumeS.toFixed(2)} s; peak RSS ${peakMb()}`);
  console.log(`resume / first run: ${(100 * resumeS / firstS).toFixed(1)} % (instant test doubles: with real models the first run is far longer)`);
  await Deno.remove(dir, { recursive: true });
}
