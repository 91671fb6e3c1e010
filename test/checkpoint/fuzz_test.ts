// Seeded mutation fuzzing of the checkpoint readers: every input ends in a result or a ModelError,
// never another exception or a hang. FUZZ_ITERATIONS raises the budget (default keeps CI fast).
import assert from "node:assert/strict";
import { ModelError } from "../../core/errors.ts";
import { loadCheckpoint } from "../../models/checkpoint/load_checkpoint.ts";
import { f16, f32, i64, safetensorsSave, stateDict, torchSave } from "../helpers/torch_save.ts";
import { mutate, rng } from "../../scripts/mutate.ts";

const ITERATIONS = Number(Deno.env.get("FUZZ_ITERATIONS") ?? 1500);

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
