// A NATS connection from the distributed settings: servers, credentials (creds file, user/pass or token) and TLS.
// Reconnects forever, so a restarting server only pauses the job.
// Credentials, first found wins: the config/flags, then the server URL (nats://user:pass@host, nats://token@host),
// then the environment (NATS_CREDS, NATS_USER + NATS_PASS, NATS_TOKEN). They never appear in a message.
import { connect, credsAuthenticator, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";
import type { DistributedConfig } from "../../core/config/types.ts";
import { ConfigError } from "../../core/errors.ts";
import { redactSecrets, redactUrl } from "../../core/redact.ts";

export type Env = (name: string) => string | undefined;
const denoEnv: Env = (name) => Deno.env.get(name);

interface Credentials {
  creds?: string;
  user?: string;
  pass?: string;
  token?: string;
}

/** Server URLs with any userinfo taken out (the client does not use it), and the credentials it held. */
export function splitServers(nats: string): { servers: string[]; fromUrl: Credentials } {
  const fromUrl: Credentials = {};
  const servers = nats.split(",").map((s) => s.trim()).filter(Boolean).map((server) => {
    const m = server.match(/^([a-z][\w+.-]*:\/\/)?([^/@]*)@(.*)$/i);
    if (!m) return server;
    const [, scheme = "", info, rest] = m;
    const colon = info.indexOf(":");
    const got: Credentials = colon < 0
      ? { token: safeDecode(info) }
      : { user: safeDecode(info.slice(0, colon)), pass: safeDecode(info.slice(colon + 1)) };
    for (const k of ["user", "pass", "token"] as const) {
      if (got[k] === undefined) continue;
      if (fromUrl[k] !== undefined && fromUrl[k] !== got[k]) {
        throw new ConfigError(`${redactUrl(nats)}: the server URLs carry different credentials; give them once`, "distributed.nats");
      }
      fromUrl[k] = got[k];
    }
    return scheme + rest;
  });
  return { servers, fromUrl };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The credentials in effect and where they came from (config/flags, the URL, or the environment). */
export function credentialsOf(d: DistributedConfig, env: Env = denoEnv): Credentials {
  const { fromUrl } = splitServers(d.nats);
  const given = (c: Credentials) => Boolean(c.creds || c.user || c.pass || c.token);
  const config: Credentials = { creds: d.creds, user: d.user, pass: d.pass, token: d.token };
  if (given(config)) return config;
  if (given(fromUrl)) return fromUrl;
  return { creds: env("NATS_CREDS") || undefined, user: env("NATS_USER") || undefined, pass: env("NATS_PASS") || undefined, token: env("NATS_TOKEN") || undefined };
}

export function connectionOptions(d: DistributedConfig, name: string, env: Env = denoEnv): NodeConnectionOptions {
  const { servers } = splitServers(d.nats);
  const options: NodeConnectionOptions = {
    servers,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  };
  const c = credentialsOf(d, env);
  if (c.creds) {
    let creds: Uint8Array;
    try {
      creds = Deno.readFileSync(c.creds);
    } catch (e) {
      throw new ConfigError(`${c.creds}: cannot read the NATS credentials file (${(e as Error).message})`);
    }
    options.authenticator = credsAuthenticator(creds);
  }
  if (c.user) options.user = c.user;
  if (c.pass) options.pass = c.pass;
  if (c.token) options.token = c.token;
  if (d.tls) options.tls = { caFile: d.tls.ca, certFile: d.tls.cert, keyFile: d.tls.key };
  return options;
}

/** Connects (retrying while no server answers, so hosts may start before the server), or fails with one line. */
export async function connectNats(d: DistributedConfig, name: string, timeoutMs = 30_000, env: Env = denoEnv): Promise<NatsConnection> {
  const shown = shownUrl(d.nats);
  let options: NodeConnectionOptions;
  try {
    options = connectionOptions(d, name, env);
  } catch (e) {
    throw e instanceof ConfigError ? e : new ConfigError(`${shown}: bad NATS settings (${hide(d, env, (e as Error).message)})`);
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connect(options);
    } catch (e) {
      const msg = hide(d, env, (e as Error).message);
      if (/auth|permission|tls|certificate|invalid url|url/i.test(msg) || Date.now() > deadline) {
        throw new ConfigError(`${shown}: cannot connect to NATS (${msg})`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** A client message with every credential in effect hidden (the client may quote the URL or the options). */
function hide(d: DistributedConfig, env: Env, message: string): string {
  let c: Credentials = {};
  try {
    c = credentialsOf(d, env);
  } catch { /* conflicting URLs: the URL redaction still applies */ }
  return redactSecrets(message, [c.pass, c.token, d.pass, d.token]);
}

/** The server URL(s) for messages: credentials in a URL (nats://user:pass@host) are never shown. */
export function shownUrl(nats: string): string {
  return redactUrl(nats);
}
