// Seeded mutation fuzzing of the checkpoint readers: every input ends in a result or a ModelError,
// never another exception or a hang. FUZZ_ITERATIONS raises the budget (default keeps CI fast).
import assert from "node:assert/strict";
import { ModelError } from "../../core/errors.ts";
import { loadCheckpoint } from "../../models/checkpoint/load_checkpoint.ts";
import { f16, f32, i64, safetensorsSave, stateDict, torchSave } from "../helpers/torch_save.ts";

const ITERATIONS = Number(Deno.env.get("FUZZ_ITERATIONS") ?? 1500);

function rng(seed: number) {
  return () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function mutate(src: Uint8Array, r: () => number): Uint8Array {
  const b = src.slice();
  const kind = Math.floor(r() * 4);
  if (kind === 0) return b.subarray(0, Math.floor(r() * b.length)); // truncate
  if (kind === 1) { // flip bytes
    for (let i = 0, n = 1 + Math.floor(r() * 8); i < n; i++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
    return b;
  }
  if (kind === 2) { // insert junk
    const at = Math.floor(r() * b.length);
    const junk = Uint8Array.from({ length: 1 + Math.floor(r() * 16) }, () => Math.floor(r() * 256));
    const out = new Uint8Array(b.length + junk.length);
    out.set(b.subarray(0, at));
    out.set(junk, at);
    out.set(b.subarray(at), at + junk.length);
    return out;
  }
  const at = Math.floor(r() * b.length); // overwrite a 4-byte field with an extreme value
  b.set([255, 255, 255, 127].slice(0, Math.max(0, b.length - at)), at);
  return b;
}

const seeds: [string, Uint8Array][] = [
  ["torch", torchSave({ config: { depth: 1, langs: ["en"] }, state_dict: stateDict({ a: f32([2, 2], [1, 2, 3, 4]), b: f16([3], [1, 2, 3]), c: i64([1], [9]) }) })],
  ["safetensors", safetensorsSave({ a: f32([2, 2], [1, 2, 3, 4]), b: f16([1], [1]) })],
];

for (const [name, seed] of seeds) {
  Deno.test(`fuzz: mutated ${name} checkpoints give a result or a ModelError (${ITERATIONS} cases + every truncation)`, () => {
    const r = rng(0xC0FFEE + name.length);
    const cases: Uint8Array[] = [];
    for (let n = 0; n < seed.length; n += Math.max(1, Math.floor(seed.length / 200))) cases.push(seed.subarray(0, n));
    for (let i = 0; i < ITERATIONS; i++) cases.push(mutate(seed, r));
    let refused = 0;
    for (const c of cases) {
      try {
        loadCheckpoint(c, "fuzz");
      } catch (e) {
        if (!(e instanceof ModelError)) throw new Error(`unexpected ${(e as Error).name}: ${(e as Error).message}`);
        refused++;
      }
    }
    assert.ok(refused > cases.length / 4, `only ${refused} of ${cases.length} refused`);
  });
}
