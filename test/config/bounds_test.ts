// Config-time bounds on the worker set and early checks (lang, sizes): refused with the key and the reason
// before anything starts.
import assert from "node:assert/strict";
import { loadConfig } from "../../core/config/load.ts";
import type { HostInfo } from "../../core/config/bounds.ts";

const BASE = "dataset: {name: x.jsonl}\n";
const host = (gpus?: number, cores = 4, memoryBytes = 16 * 2 ** 30): HostInfo => ({ cores, memoryBytes, gpus: { count: gpus, checked: "/dev/nvidia*" } });
const load = (processing: string, h?: HostInfo, overrides = {}) =>
  loadConfig(`${BASE}processing: ${processing}\n`, { source: "c.yaml", host: h, overrides });

Deno.test("devices: a long list, a duplicate and a huge or malformed gpu index are refused at config time", () => {
  assert.throws(() => load(`{devices: [${Array.from({ length: 65 }, (_, i) => `gpu:${i}`)}]}`), /processing\.devices: 65 entries; at most 64/);
  assert.throws(() => load("{devices: [cpu, gpu:0, cpu]}"), /processing\.devices\[2\]: "cpu" is listed twice \(also at \[0\]\)/);
  assert.throws(() => load("{devices: [gpu:0, cuda:0]}"), /devices\[1\]: "gpu:0" is listed twice/, "cuda:N is gpu:N");
  assert.throws(() => load('{devices: ["gpu:99999999999999999999"]}'), /processing\.devices\[0\]: "gpu:99999999999999999999": GPU indices run from 0 to 255/);
  assert.throws(() => load("{devices: [gpu:999]}"), /GPU indices run from 0 to 255/);
  assert.throws(() => load("{devices: [cpu]}", undefined, { devices: ["cpu", "cpu"] }), /--devices\[1\]: "cpu" is listed twice/);
});

Deno.test("gpu:N against the GPUs the machine has: refused when the count is known, a warning when not", () => {
  assert.throws(() => load("{devices: [gpu:0, gpu:2]}", host(2)), /processing\.devices: gpu:2 but this machine has 2 GPU\(s\), gpu:0 to gpu:1 \(found by \/dev\/nvidia\*\)/);
  assert.deepEqual(load("{devices: [gpu:0, gpu:1]}", host(2)).warnings, []);
  const unknown = load("{devices: [gpu:7]}", host(undefined));
  assert.match(unknown.warnings.join("\n"), /processing\.devices: no GPU found \(looked at \/dev\/nvidia\*\); gpu:7 will use whatever adapter/);
  assert.equal(load("{devices: [cpu]}", host(0)).warnings.length, 0, "no GPU named, nothing to say");
});

Deno.test("num_procs_per_device: capped by cores and memory, the reason in the message", () => {
  assert.throws(() => load("{devices: [cpu], num_procs_per_device: 100000}"), /processing\.num_procs_per_device: 100000 x 1 device\(s\) = 100000 workers; at most 256 here \(256 in any run\)/);
  assert.throws(() => load("{devices: [cpu], num_procs_per_device: 17}", host(0, 2)), /= 17 workers; at most 16 here \(8 per CPU core on 2 cores\)/);
  assert.throws(() => load("{devices: [cpu], num_procs_per_device: 9}", host(0, 64, 2 * 2 ** 30)), /at most 8 here \(one per 256 MiB of the 2\.0 GiB of memory\)/);
  assert.equal(load("{devices: [cpu, wasm], num_procs_per_device: 8}", host(0, 2)).processing.num_procs_per_device, 8);
});

Deno.test("lang: checked against the model's languages at config time", () => {
  const languages = { known: (l: string) => ["en", "pl", "english"].includes(l), list: ["en", "pl"] };
  assert.throws(() => loadConfig(`${BASE}processing: {lang: xx}\n`, { languages }), /processing\.lang: unknown language "xx"; the model knows en, pl/);
  assert.equal(loadConfig(`${BASE}processing: {lang: english}\n`, { languages }).processing.lang, "english");
});

Deno.test("hostile sizes: a million-entry devices list is refused by size first, and long values are cut in messages", () => {
  const t0 = performance.now();
  assert.throws(() => load(`{devices: [${Array(1_000_000).fill("cpu").join(",")}]}`), /c\.yaml: 3906 KiB; a config file is at most 256 KiB/);
  assert.ok(performance.now() - t0 < 3000, "refused before parsing (parsing took 14 s)");
  const long = "x".repeat(100_000);
  assert.throws(() => load(`{save_batch_size: "${long}"}`), (e: Error) => e.message.length < 300 && /\(100000 characters\)/.test(e.message));
  assert.throws(() => load(`{devices: [cpu]}`, undefined, { devices: [`gpu:${long}`] }), (e: Error) => e.message.length < 300);
});

Deno.test("models.cache_dir reaches the engines as cacheDir (it was silently ignored)", () => {
  const c = loadConfig(`${BASE}models: {t2s: demo:t2s, cache_dir: /tmp/c}\n`);
  assert.equal(c.models.cacheDir, "/tmp/c");
  assert.equal(c.models.t2s, "demo:t2s");
  assert.equal((c.models as Record<string, unknown>).cache_dir, undefined);
});

Deno.test("a NATS secret on the command line gets a warning (ps and the deno task echo show it), never with the secret", () => {
  const c = loadConfig(BASE, { overrides: { nats: "nats://h:4222", nats_user: "u", nats_pass: "s3cret_pw" } });
  assert.match(c.warnings.join("\n"), /--nats-pass: a secret on the command line is shown by ps/);
  assert.doesNotMatch(c.warnings.join("\n"), /s3cret_pw/);
  assert.match(loadConfig(BASE, { overrides: { nats: "nats://tok_abc@h:4222" } }).warnings.join("\n"), /--nats with credentials in the URL/);
  assert.deepEqual(loadConfig(`${BASE}distributed: {nats: "nats://h:4222", pass: x}\n`).warnings, []);
});

Deno.test("timeouts that no timer can hold are refused (they would fire at once and declare every worker hung)", () => {
  assert.throws(() => load("{item_timeout_s: 1000000000}"), /processing\.item_timeout_s: 1000000000 s x batch_size 8 = \d+ days for a batch; at most 24\.9 days/);
  assert.equal(load("{item_timeout_s: 86400, batch_size: 16}").processing.item_timeout_s, 86400);
  assert.throws(() => loadConfig(`${BASE}distributed: {nats: "nats://h:4222", ack_wait_s: 1e9}\n`), /distributed\.ack_wait_s: 1000000000 s; at most 2147483 s/);
});
