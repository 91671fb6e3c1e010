// The README's main command on a few rows: configs/demo.yaml (sample parquet, demo models with random
// weights) through the real CLI, engine module and workers; then `speak` on row 0 must give the same tokens
// (same seed and index, other batch and process).
import assert from "node:assert/strict";
import { decodeCsv } from "../../core/sink/shard_format.ts";
import { ParquetSource } from "../../core/source/parquet_source.ts";
import { asyncBufferFromPath } from "../../deno/file_buffer.ts";
import { runCli } from "./cli_helpers.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

Deno.test("demo config end to end (test mode, 6 rows, 2 workers, fresh cache): models converted once; CSV shards of EnCodec tokens; run again, no model prepared; speak reproduces row 0", async () => {
  const dir = await Deno.makeTempDir({ prefix: "demo_run_" });
  const env = { ICHIGO_CACHE: `${dir}/cache` };
  const cfg = `${dir}/demo_test.yaml`;
  Deno.writeTextFileSync(cfg, Deno.readTextFileSync(`${ROOT}/configs/demo.yaml`).replace("data/sample_prompts.parquet", `${ROOT}/data/sample_prompts.parquet`) +
    `test:\n  num_samples: 6\n  save_dir: ${dir}/out\n  num_procs_per_device: 2\n  batch_size: 3\n`);
  const run = await runCli(["--config", cfg, "--test"], env);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr + run.stdout, /RANDOM WEIGHTS/);
  // Both workers start on a cold cache: each model is converted once, by the parent, and no worker fails to start.
  const conversions = (run.stderr + run.stdout).match(/converting demo:\w+ .* to ONNX/g) ?? [];
  assert.deepEqual(conversions.map((l) => l.split(" ")[1]).sort(), ["demo:encodec", "demo:s2a", "demo:t2s", "demo:vocos"]);
  assert.doesNotMatch(run.stderr + run.stdout, /failed to start/);
  const rows = new Map<number, number[]>();
  for (const e of Deno.readDirSync(`${dir}/out`)) {
    if (e.name.startsWith("audio_tokens_")) for (const r of decodeCsv(Deno.readFileSync(`${dir}/out/${e.name}`))) rows.set(r.index, Array.from(r.tokens));
  }
  // Random weights: a row can end after one semantic token, which is too little speech; it fails with that reason.
  const failed: { index: number; error: string }[] = [];
  for (const e of Deno.readDirSync(`${dir}/out`)) {
    if (e.name.startsWith("failed_details_")) failed.push(...JSON.parse(Deno.readTextFileSync(`${dir}/out/${e.name}`)));
  }
  for (const f of failed) assert.match(f.error, /too little speech/);
  assert.deepEqual([...rows.keys(), ...failed.map((f) => f.index)].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5]);
  assert.ok(rows.size >= 4 && rows.has(0));
  for (const tokens of rows.values()) {
    assert.ok(tokens.length > 0 && tokens.length % 2 === 0 && tokens.every((t) => t >= 0 && t < 1024));
  }
  // The finished job run again (an empty model cache): nothing is left, so no model is even fetched or converted.
  const again = await runCli(["--config", cfg, "--test"], { ICHIGO_CACHE: `${dir}/cache_unused` });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr + again.stdout, /nothing left to do/);
  assert.doesNotMatch(again.stderr + again.stdout, /converting/);
  const cached = (() => {
    try {
      return [...Deno.readDirSync(`${dir}/cache_unused`)].length;
    } catch {
      return 0; // not even made
    }
  })();
  assert.equal(cached, 0);
  const source = await ParquetSource.open("sample", [await asyncBufferFromPath(`${ROOT}/data/sample_prompts.parquet`)], { text: "prompt", index: "index" });
  let first = "";
  for await (const r of source.read({ only: new Set([0]) })) first = r.text;
  const speak = await runCli([first, "--demo", "--dump", `${dir}/dump`], env, `${ROOT}/deno/cli/speak.ts`);
  assert.equal(speak.code, 0, speak.stderr);
  assert.deepEqual(JSON.parse(Deno.readTextFileSync(`${dir}/dump/tokens.json`)), rows.get(0));
  for (const f of ["stoks.json", "atoks.json", "audio.wav"]) assert.ok(Deno.statSync(`${dir}/dump/${f}`).size > 0);
});
