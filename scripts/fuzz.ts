// Seeded mutation fuzzer over every reader: YAML config, CSV, JSONL, parquet, WAV, torch zip/pickle, safetensors.
// Each mutated input must end in a result or the project's own error (ConfigError / InputError / ModelError),
// within a time budget per case (MAX_CASE_MS); the hostile checkpoint corpus (scripts/hostile_checkpoints.ts) is
// mutated too, so the unpickler and tensor-view budgets (models/checkpoint/limits.ts) are fuzzed at their edges.
// Usage: deno task fuzz [--iterations N] [--seed S]   (CI runs a small budget through test/reliability/fuzz_test.ts)
import { parseArgs } from "node:util";
import { parquetWriteBuffer } from "hyparquet-writer";
import { loadConfig } from "../core/config/load.ts";
import { ConfigError, InputError, ModelError } from "../core/errors.ts";
import { CsvSource, decodeUtf8, JsonlSource } from "../core/source/delimited_source.ts";
import { ParquetSource } from "../core/source/parquet_source.ts";
import { loadCheckpoint } from "../models/checkpoint/load_checkpoint.ts";
import { f16, f32, i64, safetensorsSave, stateDict, torchSave } from "../models/checkpoint/writer.ts";
import { readWav, writeWav } from "../models/audio/wav.ts";
import { mutate, rng } from "./mutate.ts";
import { HOSTILE_CASES } from "./hostile_checkpoints.ts";

/** No single input may take longer than this (a decoder that runs for minutes on 500 bytes is a bug). */
export const MAX_CASE_MS = 5_000;

const names = { text: "prompt", index: "index" };
const enc = new TextEncoder();

async function drain(rows: AsyncIterable<unknown>) {
  for await (const _ of rows) { /* read every row */ }
}

const TARGETS: { name: string; seed: Uint8Array | Uint8Array[]; read: (b: Uint8Array) => Promise<unknown> | unknown; ok: (e: unknown) => boolean }[] = [
  {
    name: "yaml-config",
    seed: enc.encode(Deno.readTextFileSync(new URL("../cfg.yaml", import.meta.url))),
    read: (b) => loadConfig(new TextDecoder().decode(b), { source: "fuzz.yaml" }),
    ok: (e) => e instanceof ConfigError,
  },
  {
    name: "csv",
    seed: enc.encode('index,prompt\n0,"Hello, world"\n1,"He said ""hi"""\n2,plain text\n3,"multi\nline"\n'),
    read: (b) => drain(new CsvSource("fuzz.csv", decodeUtf8("fuzz.csv", b), names).read()),
    ok: (e) => e instanceof InputError,
  },
  {
    name: "jsonl",
    seed: enc.encode('{"index": 0, "prompt": "a"}\n{"index": 1, "prompt": "b \\u00e9"}\n{"index": 2, "prompt": null}\n'),
    read: (b) => drain(new JsonlSource("fuzz.jsonl", decodeUtf8("fuzz.jsonl", b), names).read()),
    ok: (e) => e instanceof InputError,
  },
  {
    name: "parquet",
    seed: new Uint8Array(parquetWriteBuffer({
      columnData: [
        { name: "index", data: BigInt64Array.from([0n, 1n, 2n, 3n]), type: "INT64" },
        { name: "prompt", data: ["one", "two", "zażółć", "four"], type: "STRING" },
      ],
      rowGroupSize: 2,
    })),
    read: async (b) => {
      const file = { byteLength: b.length, slice: (s: number, e?: number) => b.slice(s, e).buffer };
      await drain((await ParquetSource.open("fuzz.parquet", [file], names)).read());
    },
    ok: (e) => e instanceof InputError,
  },
  {
    name: "wav",
    seed: writeWav(Float32Array.from({ length: 200 }, (_, i) => Math.sin(i)), 24000),
    read: (b) => readWav(b, "fuzz.wav"),
    ok: (e) => e instanceof InputError,
  },
  {
    name: "torch-zip",
    seed: torchSave({ config: { depth: 1 }, state_dict: stateDict({ a: f32([2, 2], [1, 2, 3, 4]), b: f16([2], [1, 2]), c: i64([1], [3]) }) }),
    read: (b) => loadCheckpoint(b, "fuzz.th"),
    ok: (e) => e instanceof ModelError,
  },
  {
    // Bombs of every kind, mutated: each still refused within the budgets, never an allocation of the bomb.
    name: "torch-hostile",
    seed: HOSTILE_CASES.map((c) => c.make()).filter((b) => b.length < 64 * 1024),
    read: (b) => loadCheckpoint(b, "fuzz.pt"),
    ok: (e) => e instanceof ModelError,
  },
  {
    name: "safetensors",
    seed: safetensorsSave({ a: f32([2, 2], [1, 2, 3, 4]) }),
    read: (b) => loadCheckpoint(b, "fuzz.safetensors"),
    ok: (e) => e instanceof ModelError,
  },
];

export async function fuzz(iterations: number, seed: number) {
  const stats: Record<string, { cases: number; refused: number; slowestMs: number }> = {};
  let peakRss = 0;
  for (const t of TARGETS) {
    const r = rng(seed ^ t.name.length * 7919);
    const seeds = Array.isArray(t.seed) ? t.seed : [t.seed];
    stats[t.name] = { cases: 0, refused: 0, slowestMs: 0 };
    for (let i = 0; i < iterations; i++) {
      const input = mutate(seeds[i % seeds.length], r);
      const t0 = performance.now();
      try {
        await t.read(input);
      } catch (e) {
        if (!t.ok(e)) {
          const sample = Array.from(input.subarray(0, 64), (x) => x.toString(16).padStart(2, "0")).join("");
          throw new Error(`${t.name} case ${i} (seed ${seed}): unexpected ${(e as Error)?.name}: ${(e as Error)?.message}\n  input starts ${sample}`);
        }
        stats[t.name].refused++;
      }
      const ms = performance.now() - t0;
      if (ms > MAX_CASE_MS) throw new Error(`${t.name} case ${i} (seed ${seed}): took ${ms.toFixed(0)} ms (budget ${MAX_CASE_MS} ms)`);
      stats[t.name].slowestMs = Math.max(stats[t.name].slowestMs, ms);
      stats[t.name].cases++;
      if (i % 256 === 0) peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
    }
  }
  return { stats, peakRss };
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { iterations: { type: "string" }, seed: { type: "string" } } });
  const iterations = Number(values.iterations ?? 2000), seed = Number(values.seed ?? 1);
  const t0 = performance.now();
  const { stats, peakRss } = await fuzz(iterations, seed);
  const total = Object.values(stats).reduce((a, s) => a + s.cases, 0);
  for (const [k, s] of Object.entries(stats)) {
    console.log(`${k}: ${s.cases} cases, ${s.refused} refused with a clear error, slowest ${s.slowestMs.toFixed(0)} ms`);
  }
  console.log(`fuzz: ${total} cases, 0 unexpected errors, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
