// A NATS connection from the distributed settings: servers, credentials (creds file, user/pass or token) and TLS.
// Reconnects forever, so a restarting server only pauses the job.
import { connect, credsAuthenticator, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";
import type { DistributedConfig } from "../../core/config/types.ts";
import { ConfigError } from "../../core/errors.ts";

export function connectionOptions(d: DistributedConfig, name: string): NodeConnectionOptions {
  const servers = d.nats.split(",").map((s) => s.trim()).filter(Boolean);
  const options: NodeConnectionOptions = {
    servers,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  };
  if (d.creds) {
    let creds: Uint8Array;
    try {
      creds = Deno.readFileSync(d.creds);
    } catch (e) {
      throw new ConfigError(`${d.creds}: cannot read the NATS credentials file (${(e as Error).message})`);
    }
    options.authenticator = credsAuthenticator(creds);
  }
  if (d.user) options.user = d.user;
  if (d.pass) options.pass = d.pass;
  if (d.token) options.token = d.token;
  if (d.tls) options.tls = { caFile: d.tls.ca, certFile: d.tls.cert, keyFile: d.tls.key };
  return options;
}

/** Connects (retrying while no server answers, so hosts may start before the server), or fails with one line. */
export async function connectNats(d: DistributedConfig, name: string, timeoutMs = 30_000): Promise<NatsConnection> {
  const options = connectionOptions(d, name);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connect(options);
    } catch (e) {
      const msg = (e as Error).message;
      if (/auth|permission|tls|certificate/i.test(msg) || Date.now() > deadline) {
        throw new ConfigError(`${shownUrl(d.nats)}: cannot connect to NATS (${msg})`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** The server URL(s) for messages: credentials in a URL (nats://user:pass@host) are never shown. */
export function shownUrl(nats: string): string {
  return nats.replace(/\/\/[^/@,]*@/g, "//***@");
}
