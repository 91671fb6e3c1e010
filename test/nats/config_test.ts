// The `distributed` section and the scale-out flags: defaults, overrides, and one clear line per mistake.
import assert from "node:assert/strict";
import { loadConfig } from "../../core/config/load.ts";
import { ConfigError } from "../../core/errors.ts";
import { jobNameOf } from "../../core/distributed/names.ts";
import { diffIdentity, jobIdentityOf } from "../../core/job/identity.ts";
import { parseRunArgs } from "../../deno/args.ts";

const BASE = "dataset: {name: data/x.jsonl}\nprocessing: {save_batch_size: 40}\n";

function fails(yaml: string, pattern: RegExp) {
  assert.throws(() => loadConfig(yaml, { source: "cfg.yaml" }), (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("distributed: off without a NATS URL; defaults (range_size = save_batch_size) once one is given", () => {
  assert.equal(loadConfig(BASE).distributed, undefined);
  assert.equal(loadConfig(BASE + "distributed: {range_size: 10}\n").distributed, undefined);
  const d = loadConfig(BASE + "distributed: {nats: nats://head:4222}\n").distributed!;
  assert.deepEqual(d, { nats: "nats://head:4222", range_size: 40, max_deliver: 5, ack_wait_s: 60, dedup_window_s: 86400 });
  const full = loadConfig(BASE + `distributed:
  nats: nats://a:4222,nats://b:4222
  job: run-7
  range_size: 25
  max_deliver: 2
  ack_wait_s: 5
  user: u
  pass: p
  tls: {ca: ca.pem, cert: c.pem, key: k.pem}
`).distributed!;
  assert.equal(full.range_size, 25);
  assert.equal(full.max_deliver, 2);
  assert.deepEqual(full.tls, { ca: "ca.pem", cert: "c.pem", key: "k.pem" });
  assert.equal(jobNameOf(loadConfig(BASE + "distributed: {nats: x, job: run-7}\n")), "run-7");
});

Deno.test("distributed: flags win over the file (--nats, credentials, --job)", () => {
  const args = parseRunArgs(["--config", "c.yaml", "--nats", "nats://h:1", "--nats-creds", "a.creds", "--nats-token", "t", "--job", "j1"]);
  const d = loadConfig(BASE + "distributed: {nats: nats://file:4222, token: old}\n", { overrides: args.overrides }).distributed!;
  assert.equal(d.nats, "nats://h:1");
  assert.equal(d.creds, "a.creds");
  assert.equal(d.token, "t");
  assert.equal(d.job, "j1");
  assert.throws(() => loadConfig(BASE, { overrides: parseRunArgs(["--nats", "x", "--job", "a.b"]).overrides }), /--job: expected 1-48 letters/);
  assert.throws(() => parseRunArgs(["--nats-cred", "x"]), /did you mean --nats-creds/);
});

Deno.test("distributed: unknown keys get a did-you-mean, wrong types name their path", () => {
  fails(BASE + "distributed: {nats: x, rang_size: 10}\n", /distributed\.rang_size: unknown key \(did you mean "range_size"\?\)/);
  fails(BASE + "distributed: {nats: x, tls: {certt: a}}\n", /distributed\.tls\.certt: unknown key \(did you mean "cert"\?\)/);
  fails(BASE + "distributed: {nats: x, max_deliver: '5'}\n", /distributed\.max_deliver: expected number, got "5"/);
  fails(BASE + "distributed: {nats: x, range_size: 0}\n", /distributed\.range_size: /);
  fails(BASE + "distributed: {nats: x, ack_wait_s: -1}\n", /distributed\.ack_wait_s: /);
  fails(BASE + "distributed: {nats: x, job: 'a b'}\n", /distributed\.job: expected 1-48 letters, digits, _ or -/);
});

Deno.test("job name: stable per dataset, independent of paths that differ between hosts", () => {
  const a = loadConfig(BASE + "distributed: {nats: x}\n", { overrides: { save_dir: "/mnt/a/out" } });
  const b = loadConfig(BASE + "distributed: {nats: y}\n", { overrides: { save_dir: "/shared/out", devices: ["gpu:3"] } });
  assert.match(jobNameOf(a), /^ichigo_[0-9a-f]{8}$/);
  assert.equal(jobNameOf(a), jobNameOf(b));
  assert.notEqual(jobNameOf(a), jobNameOf(loadConfig("dataset: {name: data/y.jsonl}\ndistributed: {nats: x}\n")));
});

Deno.test("job identity: a host whose seed or format differs is told which", () => {
  const a = jobIdentityOf(loadConfig(BASE));
  const b = jobIdentityOf(loadConfig("dataset: {name: data/x.jsonl}\nprocessing: {seed: 3, format: parquet}\n"));
  assert.deepEqual(diffIdentity(a, a), []);
  assert.deepEqual(diffIdentity(a, b), [
    "seed: output has 0, this run 3",
    'format: output has "csv", this run "parquet"',
    "shard_rows: output has 40, this run 50",
  ]);
});
