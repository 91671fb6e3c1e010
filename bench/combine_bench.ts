// `deno task bench combine [--rows=N] [--tokens=K] [--shuffled]`: `deno task combine` on an output of N rows
// (CSV shards of 1000 rows, K tokens a row) over a JSONL dataset, run as users run it; rows/s and peak RSS
// (the child's maximum resident set, from GNU time). --shuffled gives the dataset a shuffled index column, so
// both sides go through bucket files.
import { textHash } from "../core/sink/row_hash.ts";
import { commitShard } from "../core/sink/shard_writer.ts";
import { encodeJobFile, jobIdentityOf } from "../core/job/identity.ts";
import { resolveConfig } from "../core/config/load.ts";
import { FsStorage } from "../deno/fs_storage.ts";
import { taskArgs } from "./task_command.ts";

const num = (args: string[], name: string, fallback: number) => Number(args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);

export async function run(args: string[]) {
  const rows = num(args, "rows", 2_000_000);
  const tokens = num(args, "tokens", 30);
  const shuffled = args.includes("--shuffled");
  const dir = await Deno.makeTempDir({ prefix: "bench_combine_" });
  try {
    // Dataset position p holds index perm(p): the identity, or a fixed permutation (multiplication by a unit mod rows).
    const step = shuffled ? coprimeNear(Math.floor(rows * 0.618), rows) : 1;
    const indexAt = (p: number) => (p * step) % rows;
    const data = await Deno.open(`${dir}/data.jsonl`, { write: true, create: true });
    const enc = new TextEncoder();
    for (let start = 0; start < rows; start += 10_000) {
      let chunk = "";
      for (let p = start; p < Math.min(rows, start + 10_000); p++) chunk += `{"index":${indexAt(p)},"prompt":"synthetic prompt number ${indexAt(p)}"}\n`;
      await data.write(enc.encode(chunk));
    }
    data.close();
    // The output as a run writes it: shards of 1000 rows with their sidecars, and job.json.
    Deno.writeTextFileSync(`${dir}/cfg.yaml`, `dataset:\n  name: ${dir}/data.jsonl\nprocessing:\n  save_dir: ${dir}/out\n  devices: [cpu]\n`);
    const storage = await FsStorage.open(`${dir}/out`);
    const config = resolveConfig({ dataset: { name: `${dir}/data.jsonl` }, processing: { save_dir: `${dir}/out`, devices: ["cpu"] } }, {});
    await storage.write("job.json", encodeJobFile(jobIdentityOf(config), new Date()));
    for (let start = 0; start < rows; start += 1000) {
      const part = [];
      for (let p = start; p < Math.min(rows, start + 1000); p++) {
        const index = indexAt(p);
        const tokensOf = Int32Array.from({ length: tokens }, (_, t) => (index * 31 + t * 7) % 1024);
        part.push({ index, tokens: tokensOf, seconds: tokens / 150, pieces: 1, textHash: textHash(`synthetic prompt number ${index}`), attempt: 1 });
      }
      const key = `${String(part[0].index).padStart(9, "0")}_${String(part[part.length - 1].index).padStart(9, "0")}`;
      await commitShard(storage, "csv", key, part, [], 2);
    }
    const out = await new Deno.Command("/usr/bin/time", {
      args: ["-f", "peak_kb=%M wall_s=%e", Deno.execPath(), ...taskArgs("combine", ["--config", `${dir}/cfg.yaml`])],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    if (!out.success) throw new Error(`combine failed:\n${stderr}`);
    const peak = Number(stderr.match(/peak_kb=(\d+)/)![1]) / 1024;
    const wall = Number(stderr.match(/wall_s=([\d.]+)/)![1]);
    const size = (await Deno.stat(`${dir}/out/combined/combined.parquet`)).size / 1e6;
    console.log(`combine: ${rows} rows x ${tokens} tokens (${shuffled ? "shuffled index column" : "in index order"}), ${Math.ceil(rows / 1000)} shards`);
    console.log(`time: ${wall.toFixed(1)} s -> ${(rows / wall).toFixed(0)} rows/s; peak RSS ${peak.toFixed(0)} MB; combined.parquet ${size.toFixed(0)} MB`);
    console.log(stderr.split("\n").filter((l) => l && !l.startsWith("peak_kb")).map((l) => `  ${l}`).join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function coprimeNear(start: number, n: number): number {
  const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
  let s = Math.max(1, start);
  while (gcd(s, n) !== 1) s++;
  return s;
}
