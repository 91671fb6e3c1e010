// The page's "does this setting start a fresh output" decision (web/output_identity.ts) and its stored settings
// (web/settings.ts), outside the browser.
import assert from "node:assert/strict";
import { resolveConfig } from "../../core/config/load.ts";
import type { RawConfig } from "../../core/config/schema.ts";
import { identityChanges, outputId, outputIdentity } from "../../web/output_identity.ts";
import { DEFAULT_SETTINGS, loadSettings, saveSettings } from "../../web/settings.ts";

const DEMO = { t2s: "demo:t2s", s2a: "demo:s2a", vocos: "demo:vocos", codec: "demo:encodec" };

function identityOf(processing: Record<string, unknown> = {}, dataset: Record<string, unknown> = {}, datasetId = "a.parquet (10 bytes)") {
  const raw = {
    dataset: { name: "a.parquet", text_column: "prompt", index_column: "index", ...dataset },
    processing: { devices: ["wasm"], save_batch_size: 25, batch_size: 4, seed: 0, format: "csv", ...processing },
    test: { num_samples: 8 },
    models: DEMO,
  } as RawConfig;
  return outputIdentity(resolveConfig(raw, { test: true }), datasetId);
}

Deno.test("output identity: token settings, dataset, columns and save batch size start a fresh output", async () => {
  const base = await outputId(identityOf());
  const fresh = [
    identityOf({ seed: 1 }),
    identityOf({ format: "parquet" }),
    identityOf({ temperature: 0.5 }),
    identityOf({ speaker: "other" }),
    identityOf({ save_batch_size: 5 }),
    identityOf({}, { text_column: "text" }),
    identityOf({}, { index_column: "(row number)" }),
    identityOf({}, {}, "a.parquet (11 bytes)"),
  ];
  const ids = await Promise.all(fresh.map(outputId));
  assert.equal(new Set([base, ...ids]).size, fresh.length + 1);
});

Deno.test("output identity: device, workers, batch size and the row count continue the same output", async () => {
  const base = await outputId(identityOf());
  assert.equal(await outputId(identityOf({ devices: ["webgpu"] })), base);
  assert.equal(await outputId(identityOf({ num_procs_per_device: 3 })), base);
  assert.equal(await outputId(identityOf({ batch_size: 1 })), base);
});

Deno.test("output identity: what changed, in the page's words", () => {
  assert.deepEqual(identityChanges(identityOf(), identityOf({ seed: 1 })), ["seed 0 → 1"]);
  assert.deepEqual(identityChanges(identityOf(), identityOf({ format: "parquet" })), ['format "csv" → "parquet"']);
  assert.deepEqual(identityChanges(identityOf(), identityOf({ save_batch_size: 5 })), ["save batch size 25 → 5"]);
});

Deno.test("settings: a hand-edited or older entry falls back per key; a saved one comes back", () => {
  localStorage.setItem("ichigo-tts-tokens.settings", JSON.stringify({ rows: "many", seed: 7, device: "tpu", format: "parquet", extra: 1 }));
  const { settings, stored } = loadSettings();
  assert.equal(settings.rows, DEFAULT_SETTINGS.rows);
  assert.equal(settings.seed, 7);
  assert.equal(settings.device, DEFAULT_SETTINGS.device);
  assert.equal(settings.format, "parquet");
  assert.deepEqual([...stored].sort(), ["format", "seed"]);
  localStorage.setItem("ichigo-tts-tokens.settings", "{not json");
  assert.deepEqual(loadSettings().settings, DEFAULT_SETTINGS);
  saveSettings({ ...DEFAULT_SETTINGS, rows: 8 });
  assert.equal(loadSettings().settings.rows, 8);
  localStorage.removeItem("ichigo-tts-tokens.settings");
});
