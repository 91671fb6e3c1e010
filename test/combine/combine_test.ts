// `deno task combine` as a user runs it: a job over a dataset whose index column is shuffled and has gaps,
// rows that fail and are retried into `_r2` shards, then one combined parquet file in index order.
import assert from "node:assert/strict";
import { parquetReadObjects } from "hyparquet";
import { decodeCsv } from "../../core/sink/shard_format.ts";
import { FAKES, runCli } from "../pipeline/cli_helpers.ts";

const COMBINE = new URL("../../deno/cli/combine.ts", import.meta.url).pathname;

/** The CSV shards' rows (index -> tokens), checking each index appears once. */
function shardRows(dir: string): Map<number, number[]> {
  const rows = new Map<number, number[]>();
  for (const e of Deno.readDirSync(dir)) {
    if (!/^audio_tokens_.*\.csv$/.test(e.name)) continue;
    for (const r of decodeCsv(Deno.readFileSync(`${dir}/${e.name}`))) {
      assert.ok(!rows.has(r.index), `index ${r.index} twice`);
      rows.set(r.index, Array.from(r.tokens));
    }
  }
  return rows;
}

async function readCombined(path: string) {
  const bytes = await Deno.readFile(path);
  return await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer });
}

function shuffledJob(dir: string, n: number) {
  // Distinct indices with gaps (0, 7, 14, ... scrambled), rows in a shuffled order, texts naming their index.
  const indices = Array.from({ length: n }, (_, i) => i * 7 + (i % 3));
  for (let i = n - 1; i > 0; i--) {
    const j = (i * 7919 + 13) % (i + 1);
    [indices[i], indices[j]] = [indices[j], indices[i]];
  }
  const texts = new Map(indices.map((i) => [i, `Row ${i}, "quoted", and ünïcode ${"x".repeat(i % 11)}.`]));
  const csv = "id,sentence\n" + indices.map((i) => `${i},"${texts.get(i)!.replaceAll('"', '""')}"`).join("\n") + "\n";
  Deno.writeTextFileSync(`${dir}/data.csv`, csv);
  const processing = { devices: ["cpu"], num_procs_per_device: 2, save_dir: `${dir}/out`, save_batch_size: 9, batch_size: 4, max_retries: 1 };
  Deno.writeTextFileSync(
    `${dir}/cfg.yaml`,
    `dataset:\n  name: ${dir}/data.csv\n  text_column: sentence\n  index_column: id\nprocessing: ${JSON.stringify(processing)}\nlogging:\n  console_level: WARNING\n`,
  );
  return { cfg: `${dir}/cfg.yaml`, indices, texts };
}

Deno.test("combine: shuffled, gapped indices and retried rows come out once each, in index order, with their own text", async () => {
  const dir = await Deno.makeTempDir();
  const { cfg, indices, texts } = shuffledJob(dir, 60);
  const failing = [indices[3], indices[20], indices[41]];
  const r1 = await runCli(["--config", cfg, "--engine-module", FAKES], { ICHIGO_ENGINE_EXTRA: JSON.stringify({ failAlways: failing }) });
  assert.equal(r1.code, 0, r1.stderr);
  // Retry: two of the three now succeed (into _r2-style shards spanning other shards' ranges), one fails again.
  const r2 = await runCli(["--config", cfg, "--engine-module", FAKES, "--retry-failed"], { ICHIGO_ENGINE_EXTRA: JSON.stringify({ failAlways: [failing[1]] }) });
  assert.equal(r2.code, 0, r2.stderr);
  const shards = shardRows(`${dir}/out`);
  assert.equal(shards.size, 59);
  const before = [...Deno.readDirSync(`${dir}/out`)].map((e) => e.name).sort();

  // A small window forces the multi-pass join (the CSV is not in index order).
  const c = await runCli(["--config", cfg, "--sound-tokens", "--window-rows", "16", "--rows-per-group", "10"], {}, COMBINE);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stderr, /shards overlap in index order; sorting through 4 bucket file\(s\)/);
  assert.match(c.stderr, /data\.csv: not in index order; joining through 4 bucket file\(s\)/);
  assert.match(c.stderr, /combined\.parquet: 59 rows in index order, 1 failed/);

  const rows = await readCombined(`${dir}/out/combined/combined.parquet`);
  const expected = [...shards.keys()].sort((a, b) => a - b);
  assert.deepEqual(rows.map((r) => Number(r.index)), expected);
  for (const r of rows) {
    const index = Number(r.index);
    assert.equal(r.sentence, texts.get(index), `text of ${index}`);
    assert.deepEqual(r.tokens, shards.get(index), `tokens of ${index}`);
    assert.equal(r.sound_tokens, "<|sound_start|>" + shards.get(index)!.map((t) => `<|sound_${String(t).padStart(4, "0")}|>`).join("") + "<|sound_end|>");
  }
  assert.deepEqual(JSON.parse(Deno.readTextFileSync(`${dir}/out/combined/failed_indices.json`)), [failing[1]]);
  const details = JSON.parse(Deno.readTextFileSync(`${dir}/out/combined/failed_details.json`));
  assert.equal(details.length, 1);
  assert.equal(details[0].index, failing[1]);
  assert.match(details[0].error, /injected failure/);
  // The output itself is only read (the combined folder is new).
  assert.deepEqual([...Deno.readDirSync(`${dir}/out`)].map((e) => e.name).filter((n) => n !== "combined").sort(), before.filter((n) => n !== "combined"));
});

Deno.test("combine: a dataset in index order joins in one pass; a changed dataset is refused, nothing half-written", async () => {
  const dir = await Deno.makeTempDir();
  const lines = Array.from({ length: 25 }, (_, i) => JSON.stringify({ index: i * 2, prompt: `Sentence ${i * 2}.` }));
  Deno.writeTextFileSync(`${dir}/data.jsonl`, lines.join("\n") + "\n");
  const p = { devices: ["cpu"], num_procs_per_device: 1, save_dir: `${dir}/out`, save_batch_size: 10, format: "parquet" };
  Deno.writeTextFileSync(`${dir}/cfg.yaml`, `dataset:\n  name: ${dir}/data.jsonl\nprocessing: ${JSON.stringify(p)}\nlogging:\n  console_level: WARNING\n`);
  assert.equal((await runCli(["--config", `${dir}/cfg.yaml`, "--engine-module", FAKES])).code, 0);
  const c = await runCli(["--config", `${dir}/cfg.yaml`, "--out", `${dir}/combined`], {}, COMBINE);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stderr, /data\.jsonl: in index order, joined in one pass/);
  assert.doesNotMatch(c.stderr, /bucket/);
  const rows = await readCombined(`${dir}/combined/combined.parquet`);
  assert.deepEqual(rows.map((r) => Number(r.index)), Array.from({ length: 25 }, (_, i) => i * 2));
  assert.deepEqual(rows.map((r) => r.prompt), Array.from({ length: 25 }, (_, i) => `Sentence ${i * 2}.`));
  assert.deepEqual(JSON.parse(Deno.readTextFileSync(`${dir}/combined/failed_indices.json`)), []);

  // Row 8 removed from the dataset: combine names it and writes nothing.
  Deno.writeTextFileSync(`${dir}/data.jsonl`, lines.filter((_, i) => i !== 4).join("\n") + "\n");
  const bad = await runCli(["--config", `${dir}/cfg.yaml`, "--out", `${dir}/combined2`], {}, COMBINE);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /data\.jsonl: row with index 8 is in the output but no longer in the dataset/);
  assert.deepEqual([...Deno.readDirSync(`${dir}/combined2`)], []); // no temp, no spill folder left
  const missing = await runCli(["--config", `${dir}/cfg.yaml`, "--save-dir", `${dir}/nope`], {}, COMBINE);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope: save_dir not found/);
  assert.equal((await runCli(["--config", `${dir}/cfg.yaml`, "--window-rows", "0"], {}, COMBINE)).code, 2);
  const typo = await runCli(["--config", `${dir}/cfg.yaml`, "--sound"], {}, COMBINE);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /unknown flag --sound \(did you mean --sound-tokens\?\)/);

  // Row 8 back, with another text: its tokens were made from the old one.
  Deno.writeTextFileSync(`${dir}/data.jsonl`, lines.map((l, i) => i === 4 ? JSON.stringify({ index: 8, prompt: "Edited." }) : l).join("\n") + "\n");
  const edited = await runCli(["--config", `${dir}/cfg.yaml`, "--out", `${dir}/combined3`], {}, COMBINE);
  assert.equal(edited.code, 2, edited.stderr);
  assert.match(edited.stderr, /row with index 8: dataset changed since the output was written/);
  Deno.writeTextFileSync(`${dir}/data.jsonl`, lines.join("\n") + "\n");

  // Settings of another job (seed 1): refused, naming the difference.
  const seed = `${dir}/seed.yaml`;
  Deno.writeTextFileSync(seed, Deno.readTextFileSync(`${dir}/cfg.yaml`).replace('"format":"parquet"', '"format":"parquet","seed":1'));
  const other = await runCli(["--config", seed, "--out", `${dir}/combined4`], {}, COMBINE);
  assert.equal(other.code, 2, other.stderr);
  assert.match(other.stderr, /belongs to another job \(seed: output has 0, this run 1\)/);

  // A shard damaged on disk is left out (with a warning naming it), never combined; the output is not touched.
  const shard = [...Deno.readDirSync(`${dir}/out`)].map((e) => e.name).filter((n) => n.startsWith("audio_tokens_")).sort()[0];
  const bytes = Deno.readFileSync(`${dir}/out/${shard}`);
  bytes[bytes.length >> 1] ^= 0xff;
  Deno.writeFileSync(`${dir}/out/${shard}`, bytes);
  const damaged = await runCli(["--config", `${dir}/cfg.yaml`, "--out", `${dir}/combined5`], {}, COMBINE);
  assert.equal(damaged.code, 0, damaged.stderr);
  assert.match(damaged.stderr, new RegExp(`${shard}: checksum mismatch.*left as it is`));
  assert.match(damaged.stderr, /combined\.parquet: 15 rows in index order, 0 failed .*1 damaged file\(s\) left out/);
  assert.deepEqual(Deno.readFileSync(`${dir}/out/${shard}`), bytes);
  assert.equal((await readCombined(`${dir}/combined5/combined.parquet`)).length, 15);
});
