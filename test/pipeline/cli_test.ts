import assert from "node:assert/strict";
import { decodeCsv } from "../../core/sink/shard_format.ts";
import { FAKES, makeJob, runCli } from "./cli_helpers.ts";

function outputRows(dir: string): Map<number, string> {
  const rows = new Map<number, string>();
  for (const e of Deno.readDirSync(dir)) {
    if (!e.name.startsWith("audio_tokens_")) continue;
    for (const r of decodeCsv(Deno.readFileSync(`${dir}/${e.name}`))) {
      assert.ok(!rows.has(r.index), `index ${r.index} appears twice`);
      rows.set(r.index, Array.from(r.tokens).join(","));
    }
  }
  return rows;
}

Deno.test("CLI: a run, then a re-run that skips everything, then `remaining`", async () => {
  const dir = await Deno.makeTempDir();
  const cfg = makeJob(dir, 50);
  const r1 = await runCli(["--config", cfg, "--engine-module", FAKES]);
  assert.equal(r1.code, 0, r1.stderr);
  assert.equal(outputRows(`${dir}/out`).size, 50);
  const r2 = await runCli(["--config", cfg, "--engine-module", FAKES], { ICHIGO_ENGINE_EXTRA: '{"failAlways":[0]}' });
  assert.equal(r2.code, 0, r2.stderr);
  const rem = await runCli(["--config", cfg], {}, new URL("../../deno/remaining.ts", import.meta.url).pathname);
  assert.equal(rem.code, 0, rem.stderr);
  assert.deepEqual(JSON.parse(rem.stdout), []);
});

Deno.test("CLI: bad input gets one clear line naming the place and exit code 2, output untouched", async () => {
  const dir = await Deno.makeTempDir();
  const cfg = makeJob(dir, 10);
  assert.equal((await runCli(["--config", cfg, "--engine-module", FAKES])).code, 0);
  const before = [...Deno.readDirSync(`${dir}/out`)].map((e) => e.name).sort();
  const cases: [string[], RegExp, string?][] = [
    [["--config", `${dir}/nope.yaml`], /nope\.yaml: cannot read the config file \(not found\)/],
    [["--config", cfg, "--dataset", `${dir}/missing.parquet`], /missing\.parquet: dataset file not found/],
    [["--config", cfg, "--sav-dir", "x"], /--sav-dir.*did you mean --save-dir/],
    [["--config", cfg, "--devices", "tpu:0"], /--devices\[0\]: expected gpu:N/],
    [["--config", `${dir}/bad.yaml`], /bad\.yaml: processing\.max_retries: /, "dataset: {name: x}\nprocessing: {max_retries: 0}\n"],
    [["--config", `${dir}/col.yaml`], /data\.jsonl: no text column "text"/, `dataset: {name: ${dir}/data.jsonl, text_column: text}\nprocessing: {save_dir: ${dir}/out_col}\n`],
    [["--config", cfg, "--save-dir", "/proc/forbidden/out"], /forbidden\/out: save_dir is not writable/],
  ];
  for (const [args, pattern, yaml] of cases) {
    if (yaml) Deno.writeTextFileSync(args[1], yaml);
    const r = await runCli([...args, "--engine-module", FAKES]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    const lines = r.stderr.trim().split("\n");
    assert.match(lines[lines.length - 1], pattern);
  }
  assert.deepEqual([...Deno.readDirSync(`${dir}/out`)].map((e) => e.name).sort(), before);
  assert.equal(outputRows(`${dir}/out`).size, 10);
});

Deno.test("CLI: gpu:N devices run in one child process per GPU with that GPU's environment", async () => {
  const dir = await Deno.makeTempDir();
  const cfg = makeJob(dir, 30);
  const env = new URL("../fakes/env_engines.ts", import.meta.url).pathname;
  // No GPU here: each process reports a made-up GPU of its own (test/worker/gpu_adapter_check_test.ts covers the real probe).
  const probe = { ICHIGO_ADAPTER_PROBE: new URL("../fakes/fake_adapter_probe.ts", import.meta.url).href };
  const r = await runCli(["--config", cfg, "--devices", "gpu:0,gpu:1", "--engine-module", env], probe, undefined);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(outputRows(`${dir}/out`).size, 30);
  // Logged at info; re-run with info to read them.
  const dir2 = await Deno.makeTempDir();
  const cfg2 = makeJob(dir2, 8);
  Deno.writeTextFileSync(cfg2, Deno.readTextFileSync(cfg2).replace("WARNING", "INFO"));
  const r2 = await runCli(["--config", cfg2, "--devices", "gpu:0,gpu:1", "--engine-module", env], probe);
  const starts = r2.stderr.split("\n").filter((l) => /worker \d+ on gpu:/.test(l));
  assert.ok(starts.length >= 2, r2.stderr);
  const pids = new Map<string, string>();
  for (const l of starts) {
    const m = l.match(/on gpu:(\d+) \(process (\d+)\): pid (\d+) CUDA_VISIBLE_DEVICES=(\d*) NVIDIA_VISIBLE_DEVICES=(\d*) ICHIGO_GPU_INDEX=(\d*)/);
    assert.ok(m, l);
    assert.equal(m[4], m[1]);
    assert.equal(m[5], m[1]);
    assert.equal(m[6], m[1]);
    assert.equal(m[2], m[3], "the worker runs inside the device process");
    if (pids.has(m[1])) assert.equal(pids.get(m[1]), m[2]);
    pids.set(m[1], m[2]);
  }
  assert.equal(new Set(pids.values()).size, pids.size, "one process per GPU");
  // Each process's adapter is logged with its identity.
  for (const n of [0, 1]) assert.match(r2.stderr, new RegExp(`gpu:${n} \\(process \\d+\\): Fake GPU \\[hardware\\], PCI 0000:0${n + 1}:00\\.0, shader-f16`));
});
