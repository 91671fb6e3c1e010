// Orchestration at scale: the real CLI (`deno/main.ts`) in a child process over a generated dataset file of N rows
// (jsonl, csv, txt or parquet), 2 cpu workers with instant test doubles (or the demo models), CSV shards on
// disk. Reports rows/s, the child's peak RSS as the OS counts it (VmHWM, polled from /proc), and the wall time
// and peak RSS of resuming the finished output (a second run with nothing left to do).
//   deno task bench pipeline --rows 2000000 --source jsonl [--engines instant|demo] [--workers 2]
//     [--save-batch-size 1000] [--by-rows: peak RSS as the shards fill] [--keep]
import { parquetWriteBuffer } from "hyparquet-writer";
import { taskArgs } from "./task_command.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const SOURCES = ["jsonl", "csv", "txt", "parquet"] as const;
type SourceKind = (typeof SOURCES)[number];

function flag(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return args[i].includes("=") ? args[i].slice(name.length + 3) : args[i + 1];
}

/** About 120 bytes a row in JSONL, like the issue's measurement (248 MB for 2,000,000 rows). */
function textOf(i: number): string {
  return `Synthetic prompt number ${i}: a short sentence of ordinary words for the speech model to read.`;
}

/** Writes (once; reused by later runs) a dataset of `rows` rows and returns its path. */
async function dataset(kind: SourceKind, rows: number, texts: (i: number) => string, tag: string): Promise<string> {
  const dir = `${Deno.env.get("TMPDIR") ?? "/tmp"}/ichigo_bench_data`;
  await Deno.mkdir(dir, { recursive: true });
  const path = `${dir}/${tag}_${rows}.${kind}`;
  try {
    if ((await Deno.stat(path)).size > 0) return path;
  } catch { /* not made yet */ }
  const tmp = `${path}.${crypto.randomUUID()}.part`;
  if (kind === "parquet") {
    const index = Array.from({ length: rows }, (_, i) => BigInt(i));
    const prompt = Array.from({ length: rows }, (_, i) => texts(i));
    const bytes = parquetWriteBuffer({
      columnData: [{ name: "index", data: index, type: "INT64" }, { name: "prompt", data: prompt, type: "STRING" }],
      rowGroupSize: 100_000,
    });
    await Deno.writeFile(tmp, new Uint8Array(bytes));
  } else {
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    const enc = new TextEncoder();
    const line = (i: number) => {
      const t = texts(i);
      if (kind === "jsonl") return JSON.stringify({ index: i, prompt: t }) + "\n";
      if (kind === "csv") return `${i},"${t.replaceAll('"', '""')}"\n`;
      return t.replaceAll("\n", " ") + "\n";
    };
    let chunk = kind === "csv" ? "index,prompt\n" : "";
    for (let i = 0; i < rows; i++) {
      chunk += line(i);
      if (chunk.length > 1 << 20) {
        await file.write(enc.encode(chunk));
        chunk = "";
      }
    }
    await file.write(enc.encode(chunk));
    file.close();
  }
  await Deno.rename(tmp, path);
  return path;
}

interface Measured {
  code: number;
  seconds: number;
  peakMB: number;
  stderr: string;
  /** Peak RSS (MB) when the shards on disk first held at least this many rows. */
  byRows: [number, number][];
}

/** Runs the CLI once and polls the child's VmHWM (a high-water mark, so polling misses at most the last tick). */
async function runCli(args: string[], env: Record<string, string>, out?: { dir: string; shardRows: number }): Promise<Measured> {
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: taskArgs("run", args),
    env,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let peakKB = 0, ticks = 0;
  const byRows: [number, number][] = [];
  const poll = setInterval(() => {
    try {
      const m = Deno.readTextFileSync(`/proc/${child.pid}/status`).match(/VmHWM:\s+(\d+) kB/);
      if (m) peakKB = Math.max(peakKB, Number(m[1]));
      // Every second: rows in the shards so far (full shards), to see whether the peak grows with them.
      if (out && ++ticks % 40 === 0) {
        let shards = 0;
        for (const e of Deno.readDirSync(out.dir)) if (e.name.startsWith("audio_tokens_")) shards++;
        const rows = shards * out.shardRows;
        if (rows > (byRows.at(-1)?.[0] ?? 0)) byRows.push([rows, peakKB / 1024]);
      }
    } catch { /* exited, not started, or no /proc */ }
  }, 25);
  const result = await child.output();
  clearInterval(poll);
  return { code: result.code, seconds: (performance.now() - t0) / 1000, peakMB: peakKB / 1024, stderr: new TextDecoder().decode(result.stderr), byRows };
}

export async function run(args: string[]) {
  const rows = Number(flag(args, "rows") ?? 100_000);
  const kind = (flag(args, "source") ?? "jsonl") as SourceKind;
  const engines = flag(args, "engines") ?? "instant";
  const workers = Number(flag(args, "workers") ?? 2);
  const shardRows = Number(flag(args, "save-batch-size") ?? 1000);
  if (!Number.isSafeInteger(rows) || rows < 1) throw new Error(`--rows: expected a positive integer, got ${flag(args, "rows")}`);
  if (!SOURCES.includes(kind)) throw new Error(`--source: expected one of ${SOURCES.join(", ")}, got ${kind}`);
  if (engines !== "instant" && engines !== "demo") throw new Error(`--engines: expected instant or demo, got ${engines}`);

  // Demo engines read the shipped sample prompts, repeated; the instant doubles read synthetic sentences.
  let texts = textOf;
  if (engines === "demo") {
    const { ParquetSource } = await import("../core/source/parquet_source.ts");
    const { asyncBufferFromPath } = await import("../deno/file_buffer.ts");
    const sample = await ParquetSource.open("sample", [await asyncBufferFromPath(`${ROOT}/data/sample_prompts.parquet`)], { text: "prompt", index: "index" });
    const prompts: string[] = [];
    for await (const r of sample.read()) prompts.push(r.text);
    texts = (i) => prompts[i % prompts.length];
  }
  const data = await dataset(kind, rows, texts, engines === "demo" ? "sample" : "synthetic");
  const dir = await Deno.makeTempDir({ prefix: "bench_pipeline_" });
  const models = engines === "demo"
    ? `models: {t2s: "demo:t2s", s2a: "demo:s2a", vocos: "demo:vocos", codec: "demo:encodec", cache_dir: "${dir}/cache"}\n`
    : "";
  await Deno.writeTextFile(
    `${dir}/cfg.yaml`,
    `dataset: {name: "${data}", text_column: prompt, index_column: index}\n` +
      `processing: {devices: [cpu], num_procs_per_device: ${workers}, save_dir: "${dir}/out", save_batch_size: ${shardRows}, ` +
      `batch_size: ${engines === "demo" ? 8 : 64}, max_retries: 2}\n` +
      `logging: {console_level: WARNING}\n` + models,
  );
  const cli = ["--config", `${dir}/cfg.yaml`];
  const env: Record<string, string> = {};
  if (engines === "instant") {
    cli.push("--engine-module", new URL("../test/fakes/fake_engines.ts", import.meta.url).href);
    env.ICHIGO_ENGINE_EXTRA = JSON.stringify({ instant: true });
  }
  try {
    const first = await runCli(cli, env, { dir: `${dir}/out`, shardRows });
    if (first.code !== 0) throw new Error(`run failed (exit ${first.code}): ${first.stderr.slice(-2000)}`);
    const resume = await runCli(cli, env);
    if (resume.code !== 0) throw new Error(`resume failed (exit ${resume.code}): ${resume.stderr.slice(-2000)}`);
    const mb = (v: number) => `${v.toFixed(0)} MB`;
    console.log(`source: ${kind}, ${rows} rows (${data}), ${engines} engines, ${workers} cpu workers, save_batch_size ${shardRows}`);
    console.log(`run:    ${first.seconds.toFixed(2)} s wall (process start included) -> ${(rows / first.seconds).toFixed(0)} rows/s, peak RSS ${mb(first.peakMB)}`);
    console.log(`resume: ${resume.seconds.toFixed(2)} s wall (nothing to do) = ${((100 * resume.seconds) / first.seconds).toFixed(1)}% of the run, peak RSS ${mb(resume.peakMB)}`);
    if (first.peakMB === 0) console.log("peak RSS: not available (no /proc on this system)");
    else if (args.includes("--by-rows")) {
      console.log(`peak RSS by rows in shards: ${first.byRows.map(([r, mb]) => `${r}: ${mb.toFixed(0)} MB`).join(", ")}`);
    }
  } finally {
    if (!args.includes("--keep")) await Deno.remove(dir, { recursive: true });
    else console.log(`output kept in ${dir}`);
  }
}
