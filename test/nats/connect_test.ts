// NATS connection options: credentials and TLS from the config reach the client; a server that wants a password
// is reached with one and refuses without, in one clear line.
import assert from "node:assert/strict";
import { loadConfig } from "../../core/config/load.ts";
import { connectionOptions, shownUrl } from "../../deno/nats/connect.ts";
import { runCli } from "../pipeline/cli_helpers.ts";
import { NatsServer } from "./nats_server.ts";

const STATUS = new URL("../../deno/nats/status_main.ts", import.meta.url).pathname;

Deno.test("connectionOptions: servers, user/pass, token, TLS files, and a creds file's authenticator", async () => {
  const dir = await Deno.makeTempDir();
  Deno.writeTextFileSync(`${dir}/a.creds`, "-----BEGIN NATS USER JWT-----\neyJ0eXAiOiJKV1QifQ.e30.x\n------END NATS USER JWT------\n");
  const d = loadConfig(`dataset: {name: x.jsonl}
distributed: {nats: "nats://a:4222, nats://b:4222", user: u, pass: p, token: t, creds: ${dir}/a.creds, tls: {ca: ca.pem, cert: c.pem, key: k.pem}}
`).distributed!;
  const o = connectionOptions(d, "test");
  assert.deepEqual(o.servers, ["nats://a:4222", "nats://b:4222"]);
  assert.equal(o.user, "u");
  assert.equal(o.pass, "p");
  assert.equal(o.token, "t");
  assert.deepEqual(o.tls, { caFile: "ca.pem", certFile: "c.pem", keyFile: "k.pem" });
  assert.equal(typeof o.authenticator, "function");
  assert.equal(o.maxReconnectAttempts, -1, "reconnects forever: a restarting server only pauses the job");
  assert.throws(() => connectionOptions({ ...d, creds: `${dir}/missing.creds` }, "t"), /missing\.creds: cannot read the NATS credentials file/);
  assert.equal(shownUrl("nats://u:secret@h:4222,nats://h2:4222"), "nats://***@h:4222,nats://h2:4222");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a password-protected server: --nats-user/--nats-pass get in; a wrong password is one clear line, exit 2", async () => {
  const server = await NatsServer.start(["--user", "ichigo", "--pass", "s3cret"]);
  try {
    const ok = await runCli(["--nats", server.url, "--nats-user", "ichigo", "--nats-pass", "s3cret"], {}, STATUS);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /no jobs on this server/);
    const bad = await runCli(["--nats", server.url, "--nats-user", "ichigo", "--nats-pass", "wrong"], {}, STATUS);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr.trim(), /^error: nats:\/\/127\.0\.0\.1:\d+: cannot connect to NATS \(.*(auth|Authorization).*\)$/i);
    assert.doesNotMatch(bad.stderr, /wrong/);
  } finally {
    await server.cleanup();
  }
});
