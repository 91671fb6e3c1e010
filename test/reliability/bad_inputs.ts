// The bad-input corpus: one YAML file per case under bad_inputs/<category>/. A case names the CLI to run, its
// arguments, the files to create, and the message fragment expected on the last stderr line. Placeholders:
// {dir} (the case's temp folder), {out} (an output folder holding a finished run, checked for damage afterwards).
// Binary files come from named recipes (see RECIPES). Row-level problems (empty text...) do not stop a run:
// such cases say `exit: 0` and `failed:` (a fragment expected in failed_details_*.json).
import assert from "node:assert/strict";
import { parse } from "yaml";
import { parquetWriteBuffer } from "hyparquet-writer";
import { f32, stateDict, storedZip, torchSave } from "../../models/checkpoint/writer.ts";
import { MICRO_ENCODEC, randomEncodecStateDict } from "../../models/encodec/random_weights.ts";
import { writeWav } from "../../models/audio/wav.ts";
import { FAKES, makeJob, runCli } from "../pipeline/cli_helpers.ts";
import { HOSTILE_CASES } from "../../scripts/hostile_checkpoints.ts";

interface Case {
  what: string;
  run: "run" | "remaining" | "tokenize" | "detokenize" | "convert";
  args: string[];
  files?: Record<string, string | { recipe: string }>;
  expect: string;
  exit?: number;
  failed?: string;
  /** `production`: the run uses the real engines (models prepared by the parent), not the test doubles. */
  engines?: "production";
  /** A fragment that must not appear anywhere on stderr (e.g. a retry that should not happen). */
  absent?: string;
  /** The longest the error line may be (hostile values are cut). */
  maxLineChars?: number;
}

const SCRIPTS: Record<Case["run"], string> = {
  run: "../../deno/main.ts",
  remaining: "../../deno/remaining.ts",
  tokenize: "../../deno/cli/tokenize.ts",
  detokenize: "../../deno/cli/detokenize.ts",
  convert: "../../deno/cli/convert.ts",
};

const encodecTh = () => torchSave(stateDict(randomEncodecStateDict(MICRO_ENCODEC, 3, "original")));
const enc = new TextEncoder();

const RECIPES: Record<string, () => Uint8Array> = {
  "encodec": encodecTh,
  "encodec-truncated": () => encodecTh().subarray(0, 20_000),
  "encodec-mutated": () => {
    // Corrupt the pickle program inside a valid archive: its last byte (STOP) becomes an unknown opcode.
    const b = encodecTh();
    const next = new TextDecoder("latin1").decode(b).indexOf("archive/byteorder") - 30; // next local header
    b[next - 1] = 0xff;
    return b;
  },
  "wrong-architecture": () => torchSave(stateDict({ "fc.weight": f32([2, 2], [1, 2, 3, 4]), "fc.bias": f32([2], [0, 0]) })),
  "malicious-pickle": () => storedZip([["archive/data.pkl", Uint8Array.from([0x80, 2, 0x63, ...enc.encode("posix\nsystem\n"), 0x58, 4, 0, 0, 0, ...enc.encode("id>x"), 0x85, 0x52, 0x2e])]]),
  "legacy-torch": () => Uint8Array.from([0x80, 2, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]),
  "safetensors-garbage": () => {
    const b = new Uint8Array(64);
    new DataView(b.buffer).setBigUint64(0, 40n, true);
    b.set(enc.encode("{ this is not json at all, no no no..."), 8);
    return b;
  },
  "memo-bomb": () => HOSTILE_CASES.find((c) => c.name === "memo-fanout-2x40")!.make(),
  "stride-bomb": () => HOSTILE_CASES.find((c) => c.name === "stride-bomb-zero-strides")!.make(),
  "million-devices-config": () =>
    enc.encode(`dataset: {name: data.jsonl}\nprocessing: {devices: [${Array(1_000_000).fill("cpu").join(",")}]}\n`),
  "huge-log-file-config": () => enc.encode(`dataset: {name: data.jsonl}\nlogging: {log_file: "/nonexistent/${"x".repeat(200_000)}"}\n`),
  "wav": () => writeWav(Float32Array.from({ length: 2400 }, (_, i) => Math.sin(i / 5) * 0.3), 24000),
  "wav-adpcm": () => {
    const b = writeWav(new Float32Array(100), 24000);
    new DataView(b.buffer, b.byteOffset).setUint16(20, 2, true); // audioFormat 2 = MS ADPCM
    return b;
  },
  "parquet-corrupt": () => {
    const b = parquet(["a", "b"]);
    b.fill(0x41, 4, b.length - 8);
    return b;
  },
  "parquet-no-prompt": () =>
    new Uint8Array(parquetWriteBuffer({ columnData: [{ name: "index", data: BigInt64Array.from([0n]), type: "INT64" }, { name: "text", data: ["x"], type: "STRING" }] })),
  "latin1-text": () => Uint8Array.from([...enc.encode("ok line\n"), 0x63, 0x61, 0x66, 0xe9, 0x0a]),
  "huge-text-jsonl": () => enc.encode(JSON.stringify({ index: 300, prompt: "a".repeat(100_001) }) + "\n" + JSON.stringify({ index: 301, prompt: "fine" }) + "\n"),
};

function parquet(texts: string[]): Uint8Array {
  return new Uint8Array(parquetWriteBuffer({
    columnData: [
      { name: "index", data: BigInt64Array.from(texts.map((_, i) => BigInt(i))), type: "INT64" },
      { name: "prompt", data: texts, type: "STRING" },
    ],
  }));
}

export const CORPUS_STATS = { tried: 0 };

function snapshot(dir: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of Deno.readDirSync(dir)) {
    if (e.isFile && e.name !== "manifest.json") m.set(e.name, new TextDecoder().decode(Deno.readFileSync(`${dir}/${e.name}`)));
  }
  return m;
}

let good: string | undefined;
async function goodOutput(): Promise<string> {
  if (good) return good;
  const dir = await Deno.makeTempDir({ prefix: "good_" });
  const cfg = makeJob(dir, 12, { save_batch_size: 5 });
  const r = await runCli(["--config", cfg, "--engine-module", FAKES]);
  if (r.code !== 0) throw new Error(r.stderr);
  return (good = `${dir}/out`);
}

export function corpus(category: string) {
  const folder = new URL(`./bad_inputs/${category}/`, import.meta.url);
  const files = [...Deno.readDirSync(folder)].filter((e) => e.name.endsWith(".yaml")).map((e) => e.name).sort();
  for (const name of files) {
    const c = parse(Deno.readTextFileSync(new URL(name, folder))) as Case;
    Deno.test(`bad input ${category}/${name}: ${c.what}`, async () => {
      CORPUS_STATS.tried++;
      const dir = await Deno.makeTempDir({ prefix: "bad_" });
      const out = `${dir}/out`;
      await Deno.mkdir(out);
      // The shards and failed files of a finished run, without its job record (job.json, sidecars, manifest), so
      // each case's own settings and dataset may use the folder: what is checked is that they stay untouched.
      for (const e of Deno.readDirSync(await goodOutput())) {
        if (/^(job\.json|manifest\.json|shard_.*\.json|\..*)$/.test(e.name)) continue;
        Deno.copyFileSync(`${good}/${e.name}`, `${out}/${e.name}`);
      }
      const before = snapshot(out);
      const fill = (s: string) => s.replaceAll("{dir}", dir).replaceAll("{out}", out);
      // A good dataset every case may use.
      Deno.writeTextFileSync(`${dir}/data.jsonl`, Array.from({ length: 12 }, (_, i) => JSON.stringify({ index: i, prompt: `Row ${i}.` })).join("\n") + "\n");
      for (const [file, content] of Object.entries(c.files ?? {})) {
        const bytes = typeof content === "string" ? enc.encode(fill(content)) : RECIPES[content.recipe]?.();
        if (!bytes) throw new Error(`${name}: unknown recipe ${JSON.stringify(content)}`);
        Deno.writeFileSync(`${dir}/${file}`, bytes);
      }
      const args = c.args.map(fill);
      if (c.run === "run" && c.engines !== "production") args.push("--engine-module", FAKES);
      // The cases keep the default devices ([gpu:0]); with test doubles a software adapter (lavapipe) may host it.
      const env = { ICHIGO_CACHE: `${dir}/cache`, ICHIGO_ALLOW_SOFTWARE_GPU: "1" };
      const r = await runCli(args, env, new URL(SCRIPTS[c.run], import.meta.url).pathname);
      const last = r.stderr.trim().split("\n").pop() ?? "";
      assert.equal(r.code, c.exit ?? 2, `${name}: exit ${r.code}; stderr:\n${r.stderr}`);
      if (c.maxLineChars) assert.ok(last.length <= c.maxLineChars, `${name}: error line of ${last.length} characters`);
      if (c.absent) assert.ok(!r.stderr.includes(fill(c.absent)), `${name}: "${c.absent}" on stderr:\n${r.stderr}`);
      if (c.exit === 0) {
        const details = [...Deno.readDirSync(out)].filter((e) => e.name.startsWith("failed_details_"))
          .map((e) => Deno.readTextFileSync(`${out}/${e.name}`)).join("\n");
        assert.ok(details.includes(fill(c.failed ?? c.expect)), `${name}: failed_details lacks "${c.failed ?? c.expect}":\n${details}`);
      } else {
        assert.ok(last.includes(fill(c.expect)), `${name}: expected "${fill(c.expect)}" in the last stderr line:\n${last}`);
        assert.equal(r.stderr.trim().split("\n").filter((l) => l.startsWith("error:")).length, 1, `${name}: one error line`);
        // Nothing already written is lost or changed.
        const after = snapshot(out);
        for (const [k, v] of before) assert.equal(after.get(k), v, `${name}: ${k} changed`);
      }
    });
  }
}
