import assert from "node:assert/strict";
import { loadConfig } from "../../core/config/load.ts";
import { ConfigError } from "../../core/errors.ts";

const SEED = `
dataset:
  name: jan-hq/prompt-voice-v1.5
  split: train
  remaining_indices_file:
processing:
  do_test: false
  devices: ["cuda:0", "cuda:1"]
  num_procs_per_device: 14
  save_dir: ./output
  save_batch_size: 50
  max_retries: 3
  sample_rate: 24000
  speaker: speaker_trump
  format: csv
test:
  num_samples: 5
  save_dir: ./test_output
  devices: [cpu]
logging:
  log_file: pipeline.log
  console_level: INFO
  file_level: DEBUG
s3:
  bucket: x
`;

function fails(yaml: string, pattern: RegExp) {
  assert.throws(() => loadConfig(yaml, { source: "cfg.yaml" }), (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("loadConfig reads the seed's config; cuda:N becomes gpu:N; levels lower-cased", () => {
  const c = loadConfig(SEED, { source: "cfg.yaml" });
  assert.deepEqual(c.processing.devices, ["gpu:0", "gpu:1"]);
  assert.equal(c.processing.num_procs_per_device, 14);
  assert.equal(c.dataset.text_column, "prompt");
  assert.equal(c.dataset.remaining_indices_file, undefined);
  assert.equal(c.logging.console_level, "info");
  assert.equal(c.test_mode, false);
  assert.match(c.warnings.join(), /s3/);
});

Deno.test("loadConfig test mode applies the test section; CLI overrides win", () => {
  const c = loadConfig(SEED, { overrides: { test: true, speaker: "default", save_dir: "/tmp/x" } });
  assert.equal(c.test_mode, true);
  assert.equal(c.num_samples, 5);
  assert.deepEqual(c.processing.devices, ["cpu"]);
  assert.equal(c.processing.save_dir, "/tmp/x");
  assert.equal(c.processing.speaker, "default");
});

Deno.test("loadConfig names the path of a wrong type", () => {
  fails("dataset: {name: x}\nprocessing:\n  devices: [gpu:0, 3]\n", /cfg\.yaml: processing\.devices\[1\]: expected string, got number 3/);
  fails("dataset: {name: x}\nprocessing:\n  devices: [gpu:0, tpu:1]\n", /processing\.devices\[1\]: expected gpu:N/);
});

Deno.test("loadConfig suggests the closest key for an unknown one", () => {
  fails("dataset: {name: x}\nprocessing:\n  save_bach_size: 5\n", /processing\.save_bach_size: unknown key \(did you mean "save_batch_size"\?\)/);
  fails("datset: {name: x}\n", /datset: unknown key \(did you mean "dataset"\?\)/);
});

Deno.test("loadConfig rejects negative counts, YAML syntax errors and a missing dataset", () => {
  fails("dataset: {name: x}\nprocessing: {max_retries: -1}\n", /processing\.max_retries: /);
  fails("dataset: {name: x\nprocessing: [\n", /cfg\.yaml:\d+:\d+: YAML syntax error/);
  fails("processing: {}\n", /dataset\.name: missing/);
  fails("- a\n- b\n", /top level/);
});

import { parseRunArgs } from "../../deno/args.ts";

Deno.test("parseRunArgs maps flags to overrides and suggests the closest flag", () => {
  const a = parseRunArgs(["--config", "c.yaml", "--test", "--save-dir", "out", "--devices", "gpu:0, gpu:1", "--format", "parquet"]);
  assert.equal(a.configPath, "c.yaml");
  assert.deepEqual(a.overrides.devices, ["gpu:0", "gpu:1"]);
  assert.equal(a.overrides.test, true);
  assert.equal(a.overrides.format, "parquet");
  assert.throws(() => parseRunArgs(["--save-dri", "x"]), /--save-dri.*did you mean --save-dir/);
  assert.throws(() => parseRunArgs(["--format", "xml"]), /--format: expected csv or parquet/);
});
