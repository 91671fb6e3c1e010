// Credentials for NATS: in the URL (nats://user:pass@host, nats://token@host) and from the environment
// (NATS_USER/NATS_PASS, NATS_TOKEN), against password- and token-protected servers. No secret ever shows on
// stdout or stderr, including the task runner's echo of the command line in the README's recommended usage.
import assert from "node:assert/strict";
import { connectionOptions, splitServers } from "../../deno/nats/connect.ts";
import { redactSecrets, redactUrl } from "../../core/redact.ts";
import { DENO, FAKES, makeJob, runCli } from "../pipeline/cli_helpers.ts";
import { NatsServer } from "./nats_server.ts";
import { Proc } from "./procs.ts";

const STATUS = new URL("../../deno/nats/status_main.ts", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;
const PASS = "natspass_SECRET456";
const TOKEN = "tok_SECRET789";

function noSecret(text: string, where: string) {
  for (const s of [PASS, TOKEN]) assert.ok(!text.includes(s), `${where} shows a secret:\n${text}`);
}

Deno.test("redaction: userinfo with or without a scheme, token query parameters, named secret values", () => {
  assert.equal(redactUrl("nats://u:pw@h:4222,nats://h2:4222"), "nats://***@h:4222,nats://h2:4222");
  assert.equal(
    redactUrl(`natsuser:${PASS}@127.0.0.1:bad: cannot connect (Invalid URL: 'http://natsuser:${PASS}@127.0.0.1:bad')`),
    "***@127.0.0.1:bad: cannot connect (Invalid URL: 'http://***@127.0.0.1:bad')",
  );
  assert.equal(redactUrl("https://h/x.parquet?token=abc&n=1&access_token=zz"), "https://h/x.parquet?token=***&n=1&access_token=***");
  assert.equal(redactSecrets(`auth failed for ${TOKEN}`, [TOKEN]), "auth failed for ***");
});

Deno.test("splitServers: URL credentials become client options; the URLs lose them", () => {
  assert.deepEqual(splitServers(`nats://ichigo:${PASS}@a:4222, nats://b:4222`), {
    servers: ["nats://a:4222", "nats://b:4222"],
    fromUrl: { user: "ichigo", pass: PASS },
  });
  assert.deepEqual(splitServers(`nats://${TOKEN}@a:4222`).fromUrl, { token: TOKEN });
  assert.deepEqual(splitServers("nats://u:p%40ss@a").fromUrl, { user: "u", pass: "p@ss" });
  assert.throws(() => splitServers("nats://u:one@a,nats://u:two@b"), (e: Error) => /different credentials/.test(e.message) && !/one|two/.test(e.message));
  const env = (k: string) => ({ NATS_USER: "eu", NATS_PASS: "ep" } as Record<string, string>)[k];
  const d = { nats: "nats://a:4222", range_size: 1, max_deliver: 1, ack_wait_s: 1, dedup_window_s: 1 };
  assert.equal(connectionOptions(d, "t", env).pass, "ep", "the environment when nothing else is given");
  assert.equal(connectionOptions({ ...d, nats: "nats://u:p@a" }, "t", env).pass, "p", "the URL before the environment");
  assert.equal(connectionOptions({ ...d, pass: "cp", user: "cu" }, "t", env).pass, "cp", "the config before both");
});

Deno.test("a password-protected server: user:pass in the URL and NATS_USER/NATS_PASS both work; nothing echoes the password", async () => {
  const server = await NatsServer.start(["--user", "ichigo", "--pass", PASS]);
  try {
    const inUrl = await runCli(["--nats", `nats://ichigo:${PASS}@127.0.0.1:${server.port}`], {}, STATUS);
    assert.equal(inUrl.code, 0, inUrl.stderr);
    noSecret(inUrl.stdout + inUrl.stderr, "user:pass URL");
    // The README's recommended usage: secrets in the environment, the task runner echoing the command line.
    const task = await new Deno.Command(DENO, {
      args: ["task", "nats-status", "--nats", server.url],
      cwd: ROOT,
      env: { NO_COLOR: "1", NATS_USER: "ichigo", NATS_PASS: PASS },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const taskOut = new TextDecoder().decode(task.stdout) + new TextDecoder().decode(task.stderr);
    assert.equal(task.code, 0, taskOut);
    assert.match(taskOut, /no jobs on this server/);
    noSecret(taskOut, "deno task with NATS_USER/NATS_PASS");
    const wrong = await runCli(["--nats", `nats://ichigo:wrong_${PASS}@127.0.0.1:${server.port}`], {}, STATUS);
    assert.equal(wrong.code, 2, wrong.stderr);
    assert.match(wrong.stderr, /cannot connect to NATS/);
    noSecret(wrong.stderr, "a refused password");
    const malformed = await runCli(["--nats", `natsuser:${PASS}@127.0.0.1:bad`], {}, STATUS);
    assert.equal(malformed.code, 2, malformed.stderr);
    assert.equal(malformed.stderr.trim().split("\n").length, 1, malformed.stderr);
    noSecret(malformed.stderr, "a malformed URL");
  } finally {
    await server.cleanup();
  }
});

Deno.test("a token-protected server: nats://token@host and NATS_TOKEN both work; nothing echoes the token", async () => {
  const server = await NatsServer.start(["--auth", TOKEN]);
  try {
    const inUrl = await runCli(["--nats", `nats://${TOKEN}@127.0.0.1:${server.port}`], {}, STATUS);
    assert.equal(inUrl.code, 0, inUrl.stderr);
    noSecret(inUrl.stdout + inUrl.stderr, "token URL");
    const fromEnv = await runCli(["--nats", server.url], { NATS_TOKEN: TOKEN }, STATUS);
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    const none = await runCli(["--nats", server.url], {}, STATUS);
    assert.equal(none.code, 2, "no token: refused");
  } finally {
    await server.cleanup();
  }
});

Deno.test("a dataset URL with credentials: the error line and the log file show neither the password nor the token", async () => {
  const dir = await Deno.makeTempDir();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => new Response("no", { status: 404 }));
  const port = (server.addr as Deno.NetAddr).port;
  try {
    Deno.writeTextFileSync(`${dir}/cfg.yaml`, `dataset: {name: "http://u:${PASS}@127.0.0.1:${port}/x.csv?token=${TOKEN}"}
processing: {save_dir: "${dir}/out", devices: [cpu]}
logging: {log_file: "${dir}/run.log", console_level: DEBUG}
`);
    const r = await runCli(["--config", `${dir}/cfg.yaml`]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /error: http:\/\/\*\*\*@127\.0\.0\.1:\d+\/x\.csv\?token=\*\*\*: HTTP 404/, "the URL is shown, redacted");
    noSecret(r.stdout + r.stderr, "stderr");
    noSecret(Deno.readTextFileSync(`${dir}/run.log`), "the log file");
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a dataset URL with credentials that works: manifest.json, job.json and every other output file hold neither secret", async () => {
  const dir = await Deno.makeTempDir();
  const csv = "index,prompt\n0,Hello there.\n1,Another row.\n";
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => new Response(csv));
  const port = (server.addr as Deno.NetAddr).port;
  try {
    Deno.writeTextFileSync(`${dir}/cfg.yaml`, `dataset: {name: "http://u:${PASS}@127.0.0.1:${port}/x.csv?token=${TOKEN}"}
processing: {save_dir: "${dir}/out", devices: [cpu], num_procs_per_device: 1}
logging: {log_file: "${dir}/run.log"}
`);
    const r = await runCli(["--config", `${dir}/cfg.yaml`, "--engine-module", FAKES]);
    assert.equal(r.code, 0, r.stderr);
    noSecret(r.stdout + r.stderr, "stderr");
    noSecret(Deno.readTextFileSync(`${dir}/run.log`), "the log file");
    const files = [...Deno.readDirSync(`${dir}/out`)].filter((e) => e.isFile).map((e) => e.name);
    assert.ok(files.includes("manifest.json") && files.includes("job.json"), files.join(", "));
    for (const f of files) noSecret(Deno.readTextFileSync(`${dir}/out/${f}`), f);
    assert.match(Deno.readTextFileSync(`${dir}/out/job.json`), /http:\/\/\*\*\*@127\.0\.0\.1:\d+\/x\.csv\?token=\*\*\*/);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a scale-out job on a password server: coordinator with user:pass in the URL, worker with NATS_USER/NATS_PASS; no secret in logs, log file or manifest", async () => {
  const server = await NatsServer.start(["--user", "ichigo", "--pass", PASS]);
  const dir = await Deno.makeTempDir();
  const procs: Proc[] = [];
  try {
    const cfg = makeJob(dir, 20, { save_batch_size: 10, num_procs_per_device: 1 });
    Deno.writeTextFileSync(cfg, Deno.readTextFileSync(cfg).replace("console_level: WARNING", `console_level: DEBUG\n  log_file: ${dir}/run.log`));
    const main = new URL("../../deno/main.ts", import.meta.url).pathname;
    const worker = new URL("../../deno/nats/worker_main.ts", import.meta.url).pathname;
    const url = `nats://ichigo:${PASS}@127.0.0.1:${server.port}`;
    const coordinator = new Proc("coordinator", main, ["--config", cfg, "--engine-module", FAKES, "--nats", url], {});
    procs.push(coordinator);
    const w = new Proc("worker", worker, ["--config", cfg, "--engine-module", FAKES, "--nats", server.url], { NATS_USER: "ichigo", NATS_PASS: PASS });
    procs.push(w);
    assert.equal(await coordinator.exitCode(60_000), 0, coordinator.log);
    assert.equal(await w.exitCode(20_000), 0, w.log);
    const rows = [...Deno.readDirSync(`${dir}/out`)].filter((e) => e.name.startsWith("audio_tokens_")).length;
    assert.equal(rows, 2, "two shards of 10 rows");
    noSecret(coordinator.log, "the coordinator's output");
    noSecret(w.log, "the worker's output");
    noSecret(Deno.readTextFileSync(`${dir}/run.log`), "the log file");
    noSecret(Deno.readTextFileSync(`${dir}/out/manifest.json`), "the manifest");
    assert.match(coordinator.log, /nats:\/\/\*\*\*@127\.0\.0\.1/, "the URL is shown, redacted");
  } finally {
    for (const p of procs) await p.close();
    await server.cleanup();
    await Deno.remove(dir, { recursive: true });
  }
});
