// "A save_dir belongs to one job", tried as users hit it through the CLI (fake engines): reruns with other
// settings or another dataset are refused naming each difference with every byte unchanged; a second run on
// the folder is refused while the first completes; only the tool's own temp files are cleaned; `remaining` is
// read-only; damaged files are named, quarantined or rewritten, and their rows redone.
import assert from "node:assert/strict";
import { decodeCsv, decodeParquet } from "../../core/sink/shard_format.ts";
import { FAKES, makeJob, runCli } from "../pipeline/cli_helpers.ts";

const REMAINING = new URL("../../deno/remaining.ts", import.meta.url).pathname;
const run = (args: string[], env: Record<string, string> = {}) => runCli([...args, "--engine-module", FAKES], env);

/** Every file under `dir` with its sha256 and modification time (the lock is not output, so it is left out). */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string) => {
    for (const e of Deno.readDirSync(rel ? `${dir}/${rel}` : dir)) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await walk(p);
      else {
        const bytes = Deno.readFileSync(`${dir}/${p}`);
        const sha = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
        out[p] = `${sha} ${Deno.statSync(`${dir}/${p}`).mtime?.getTime()}`;
      }
    }
  };
  await walk("");
  return out;
}

/** Every index in the output's token shards, checked to occur once, plus the failed indices. */
async function outputIndices(dir: string): Promise<{ done: number[]; failed: number[] }> {
  const done: number[] = [];
  const failed: number[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const bytes = () => Deno.readFileSync(`${dir}/${e.name}`);
    if (/^audio_tokens_.*\.csv$/.test(e.name)) done.push(...decodeCsv(bytes()).map((r) => r.index));
    if (/^audio_tokens_.*\.parquet$/.test(e.name)) done.push(...(await decodeParquet(bytes())).map((r) => r.index));
    if (/^failed_indices_.*\.json$/.test(e.name)) failed.push(...JSON.parse(new TextDecoder().decode(bytes())));
  }
  assert.equal(new Set(done).size, done.length, "an index appears twice");
  return { done: done.sort((a, b) => a - b), failed };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const lastLine = (s: string) => s.trim().split("\n").at(-1) ?? "";

Deno.test("a rerun with other settings, models, format or dataset is refused naming each difference; no byte changes", async () => {
  const dir = await Deno.makeTempDir();
  const cfg = makeJob(dir, 30);
  assert.equal((await run(["--config", cfg])).code, 0);
  const before = await snapshot(`${dir}/out`);
  const yaml = Deno.readTextFileSync(cfg);
  const variant = (name: string, processing: Record<string, unknown>, extra = "") => {
    const p = JSON.parse(yaml.match(/processing: (.*)\n/)![1]);
    Deno.writeTextFileSync(`${dir}/${name}.yaml`, yaml.replace(/processing: .*\n/, `processing: ${JSON.stringify({ ...p, ...processing })}\n`) + extra);
    return `${dir}/${name}.yaml`;
  };
  Deno.writeTextFileSync(`${dir}/other.jsonl`, '{"index": 0, "prompt": "another dataset"}\n');
  const cases: [string[], string][] = [
    [["--config", variant("seed", { seed: 1 })], "seed: output has 0, this run 1"],
    [["--config", variant("bw", { bandwidth: 3 })], "bandwidth: output has 1.5, this run 3"],
    [["--config", variant("t2s", {}, "models:\n  t2s: demo:t2s\n")], 'models.t2s.ref: output has "collabora/whisperspeech:t2s-v1.1-small-en+pl.model", this run "demo:t2s"'],
    [["--config", cfg, "--format", "parquet"], 'format: output has "csv", this run "parquet"'],
    [["--config", variant("batch", { save_batch_size: 5 })], "shard_rows: output has 20, this run 5"],
    [["--config", cfg, "--dataset", `${dir}/other.jsonl`], `dataset.name: output has "${dir}/data.jsonl", this run "${dir}/other.jsonl"`],
    // A NATS coordinator checks the folder before it connects (no server needed to be refused).
    [["--config", variant("nats", { seed: 2 }), "--nats", "nats://127.0.0.1:9"], "seed: output has 0, this run 2"],
  ];
  for (const [args, difference] of cases) {
    const r = await run(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.ok(lastLine(r.stderr).includes(`${dir}/out belongs to another job (`), r.stderr);
    assert.ok(lastLine(r.stderr).includes(difference), `${difference} not in: ${r.stderr}`);
    assert.deepEqual(await snapshot(`${dir}/out`), before, `${args.join(" ")} changed the output`);
  }
  // Settings that do not change tokens may change freely; test mode continues the same job.
  const ok = await run(["--config", variant("free", { batch_size: 2, num_procs_per_device: 1, item_timeout_s: 30 }), "--test"]);
  assert.equal(ok.code, 0, ok.stderr);
});

Deno.test("rows inserted at the top of a dataset without an index column: a hard stop naming the row, nothing written", async () => {
  const dir = await Deno.makeTempDir();
  const lines = (texts: string[]) => texts.map((t) => JSON.stringify({ prompt: t })).join("\n") + "\n";
  const texts = range(12).map((i) => `Sentence number ${i}.`);
  Deno.writeTextFileSync(`${dir}/data.jsonl`, lines(texts));
  Deno.writeTextFileSync(`${dir}/cfg.yaml`, `dataset: {name: ${dir}/data.jsonl}\nprocessing: {devices: [cpu], save_dir: ${dir}/out, save_batch_size: 5}\nlogging: {console_level: WARNING}\n`);
  assert.equal((await run(["--config", `${dir}/cfg.yaml`, "--test"])).code, 0); // rows 0-9
  const before = await snapshot(`${dir}/out`);
  Deno.writeTextFileSync(`${dir}/data.jsonl`, lines(["Inserted one.", "Inserted two.", ...texts]));
  const r = await run(["--config", `${dir}/cfg.yaml`]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(lastLine(r.stderr), /data\.jsonl: row 0: dataset changed since the output was written/);
  assert.deepEqual(await snapshot(`${dir}/out`), before);
});

Deno.test("two runs on one save_dir: the second is refused at once naming the holder; the first completes, every index once", async () => {
  const dir = await Deno.makeTempDir();
  const cfg = makeJob(dir, 60, { save_batch_size: 5 });
  const slow = { ICHIGO_ENGINE_EXTRA: JSON.stringify({ slowMs: 40, slowWorkers: [0, 1] }) };
  const first = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../deno/main.ts", import.meta.url).pathname, "--config", cfg, "--engine-module", FAKES],
    env: { NO_COLOR: "1", ...slow }, stdout: "null", stderr: "piped",
  }).spawn();
  while (!(await Deno.stat(`${dir}/out/.ichigo.lock`).catch(() => undefined))) await new Promise((r) => setTimeout(r, 20));
  const t0 = Date.now();
  const second = await run(["--config", cfg, "--save-dir", `${dir}/out`]);
  assert.equal(second.code, 2, second.stderr);
  assert.match(lastLine(second.stderr), /out: in use by another run \(deno task run, host .*, pid \d+, since .*last heartbeat \d+ s ago\)/);
  assert.ok(Date.now() - t0 < 10_000, "refused within seconds");
  const status = await first.status;
  assert.equal(status.code, 0, new TextDecoder().decode((await first.output().catch(() => ({ stderr: new Uint8Array() }))).stderr));
  assert.deepEqual((await outputIndices(`${dir}/out`)).done, range(60));
  assert.equal(await Deno.stat(`${dir}/out/.ichigo.lock`).catch(() => "gone"), "gone", "the lock is released");
  // A lock left by a killed run (its pid is dead) is taken over with a warning.
  Deno.writeTextFileSync(`${dir}/out/.ichigo.lock`, JSON.stringify({ host: Deno.hostname(), pid: 2 ** 22 + 7, what: "deno task run", started: "x", heartbeat: new Date().toISOString(), token: "t" }));
  const again = await run(["--config", cfg]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /taking over the lock of deno task run .*its holder is gone/);
});

Deno.test("only this tool's temp files are cleaned: a planted notes.tmp.backup survives", async () => {
  const dir = await Deno.makeTempDir();
  const cfg = makeJob(dir, 10);
  Deno.mkdirSync(`${dir}/out`);
  for (const f of ["notes.tmp.backup", "thesis.tmp.final.docx", "audio_tokens_x.csv.tmp.1.2"]) Deno.writeTextFileSync(`${dir}/out/${f}`, "mine");
  Deno.writeTextFileSync(`${dir}/out/audio_tokens_000000000_000000009.csv.ichigo-tmp.99.0123abcd`, "torn");
  assert.equal((await run(["--config", cfg])).code, 0);
  const names = [...Deno.readDirSync(`${dir}/out`)].map((e) => e.name);
  for (const f of ["notes.tmp.backup", "thesis.tmp.final.docx", "audio_tokens_x.csv.tmp.1.2"]) assert.ok(names.includes(f), f);
  assert.ok(!names.some((n) => n.includes(".ichigo-tmp.")), names.join(" "));
});

Deno.test("`remaining` changes no byte and no timestamp (damaged shard, temp file), works read-only, creates no folder", async () => {
  const dir = await Deno.makeTempDir();
  const cfg = makeJob(dir, 40);
  assert.equal((await run(["--config", cfg])).code, 0);
  const shard = `${dir}/out/audio_tokens_000000000_000000019.csv`;
  Deno.writeTextFileSync(shard, Deno.readTextFileSync(shard).replace(/"\[(\d+)/, '"[99999'));
  Deno.writeTextFileSync(`${dir}/out/audio_tokens_000000020_000000039.csv.ichigo-tmp.99.0123abcd`, "in flight");
  const before = await snapshot(`${dir}/out`);
  const chmod = (mode: number) => new Deno.Command("chmod", { args: ["-R", mode === 0 ? "a-w" : "u+w", `${dir}/out`] }).outputSync();
  chmod(0);
  try {
    const r = await runCli(["--config", cfg], {}, REMAINING);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), range(20));
    assert.match(r.stderr, /audio_tokens_000000000_000000019\.csv: (checksum mismatch|size \d+ bytes, its sidecar recorded \d+).*left as it is \(a run would move it to quarantine\/ and redo its rows\)/);
  } finally {
    chmod(1);
  }
  assert.deepEqual(await snapshot(`${dir}/out`), before);
  const typo = await runCli(["--config", cfg, "--save-dir", `${dir}/ouy`], {}, REMAINING);
  assert.equal(typo.code, 2);
  assert.match(lastLine(typo.stderr), /ouy: save_dir not found/);
  assert.throws(() => Deno.statSync(`${dir}/ouy`), Deno.errors.NotFound);
});

Deno.test("damaged files: each named in one line, quarantined or rewritten, rows redone, exit 0, every index once", async () => {
  for (const format of ["csv", "parquet"] as const) {
    const dir = await Deno.makeTempDir();
    const cfg = makeJob(dir, 80, { format, save_batch_size: 20 });
    const faults = { ICHIGO_ENGINE_EXTRA: JSON.stringify({ failAlways: [45] }) };
    assert.equal((await run(["--config", cfg], faults)).code, 0);
    const out = `${dir}/out`;
    const a = `${out}/audio_tokens_000000000_000000019.${format}`;
    const b = `${out}/audio_tokens_000000020_000000039.${format}`;
    if (format === "csv") {
      Deno.writeTextFileSync(a, Deno.readTextFileSync(a).replace(/"\[(\d+)/, '"[99999')); // a hand-edited token
      const t = Deno.readTextFileSync(b);
      Deno.writeTextFileSync(b, t.slice(0, t.length / 2)); // torn
    } else {
      const bytes = Deno.readFileSync(a); // three changed bytes in the middle
      for (const at of [0.4, 0.5, 0.6]) bytes[Math.floor(bytes.length * at)] ^= 0x5a;
      Deno.writeFileSync(a, bytes);
      Deno.writeFileSync(b, Deno.readFileSync(b).slice(0, 100));
    }
    Deno.writeTextFileSync(`${out}/failed_indices_000000040_000000059.json`, "garbage{");
    Deno.writeTextFileSync(`${out}/manifest.json`, "5");
    const r = await run(["--config", cfg], faults);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.split("\n");
    const named = (re: RegExp) => assert.equal(lines.filter((l) => re.test(l)).length, 1, `${re}: ${r.stderr}`);
    named(new RegExp(`audio_tokens_000000000_000000019\\.${format}: (checksum mismatch|size).*moved to quarantine/`));
    named(new RegExp(`audio_tokens_000000020_000000039\\.${format}: (checksum mismatch|size).*moved to quarantine/`));
    named(/failed_indices_000000040_000000059\.json: checksum mismatch.*rewritten from its shard's sidecar/);
    named(/manifest\.json: not a manifest of this tool.*moved to quarantine/);
    const got = await outputIndices(out);
    assert.deepEqual(got.failed, [45]);
    assert.deepEqual([...got.done, ...got.failed].sort((x, y) => x - y), range(80));
    assert.ok(Deno.statSync(`${out}/quarantine/manifest.json`).isFile);
    assert.ok(Deno.statSync(`${out}/quarantine/audio_tokens_000000000_000000019.${format}`).isFile);
    JSON.parse(Deno.readTextFileSync(`${out}/manifest.json`));
    const rem = await runCli(["--config", cfg], {}, REMAINING);
    assert.deepEqual(JSON.parse(rem.stdout), [45]);
  }
});

Deno.test("a shard without a sidecar (older output) is checked by decoding: token 99999 or an odd count is quarantined", async () => {
  const dir = await Deno.makeTempDir();
  const cfg = makeJob(dir, 40);
  assert.equal((await run(["--config", cfg])).code, 0);
  const out = `${dir}/out`;
  Deno.removeSync(`${out}/shard_000000000_000000019.json`);
  Deno.removeSync(`${out}/shard_000000020_000000039.json`);
  const a = `${out}/audio_tokens_000000000_000000019.csv`;
  Deno.writeTextFileSync(a, Deno.readTextFileSync(a).replace(/"\[(\d+)/, '"[99999'));
  const r = await run(["--config", cfg]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /audio_tokens_000000000_000000019\.csv: tokens break the format \(row \d+ has token 99999, outside 0\.\.1023\)/);
  assert.doesNotMatch(r.stderr, /000000020_000000039/);
  assert.deepEqual((await outputIndices(out)).done, range(40));
});

Deno.test("a planted quarantine -> elsewhere symlink: exit 2 with one line, nothing written outside save_dir", async () => {
  const dir = await Deno.makeTempDir();
  const cfg = makeJob(dir, 20);
  assert.equal((await run(["--config", cfg])).code, 0);
  const elsewhere = await Deno.makeTempDir();
  Deno.symlinkSync(elsewhere, `${dir}/out/quarantine`);
  Deno.writeTextFileSync(`${dir}/out/audio_tokens_000000000_000000019.csv`, "index,tokens\n0,\"[1,2\n");
  const r = await run(["--config", cfg]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(lastLine(r.stderr), /out\/quarantine: is a symbolic link; refusing to write through it/);
  assert.deepEqual([...Deno.readDirSync(elsewhere)], []);
});

Deno.test("test mode is a fixed subset: --test twice does num_samples rows once; a full run then continues the folder", async () => {
  const dir = await Deno.makeTempDir();
  const cfg = makeJob(dir, 30, { save_batch_size: 4 });
  assert.equal((await run(["--config", cfg, "--test"])).code, 0);
  assert.deepEqual((await outputIndices(`${dir}/out`)).done, range(10));
  const before = await snapshot(`${dir}/out`);
  assert.equal((await run(["--config", cfg, "--test"])).code, 0);
  const after = await snapshot(`${dir}/out`);
  delete before["manifest.json"];
  delete after["manifest.json"];
  assert.deepEqual(after, before, "a finished test run does nothing");
  assert.equal((await run(["--config", cfg])).code, 0);
  assert.deepEqual((await outputIndices(`${dir}/out`)).done, range(30));
});

Deno.test("each row's sidecar entry records the try that produced it (row 3 failed once: try 2)", async () => {
  const dir = await Deno.makeTempDir();
  const cfg = makeJob(dir, 10, { save_batch_size: 10, max_retries: 3 });
  Deno.mkdirSync(`${dir}/state`);
  const r = await run(["--config", cfg], { ICHIGO_ENGINE_EXTRA: JSON.stringify({ failOnce: [3], stateDir: `${dir}/state` }) });
  assert.equal(r.code, 0, r.stderr);
  const side = JSON.parse(Deno.readTextFileSync(`${dir}/out/shard_000000000_000000009.json`));
  assert.deepEqual(side.rows, range(10));
  assert.deepEqual(side.attempts, range(10).map((i) => (i === 3 ? 2 : 1)));
});
