// Child process serving one physical GPU: hosts that GPU's workers and relays their Comlink messages to the
// parent over stdin/stdout (one JSON line per message; typed arrays encoded). Workers inherit this process's
// environment, which is how the GPU is chosen (device_env.ts). Its first message reports the adapter this
// process gets, so the parent can refuse a software renderer or two processes on one GPU before any work.
import type { AdapterReport } from "./adapter_probe.ts";
import { encodeLine, type HostMessage, type ParentMessage, readMessages } from "./device_wire.ts";

const WebWorker = globalThis.Worker;
const WORKER_URL = new URL("./tts_worker.ts", import.meta.url).href;
const workers = new Map<number, Worker>();
const out = Deno.stdout.writable.getWriter();
let writing = Promise.resolve();
const send = (m: HostMessage) => {
  writing = writing.then(() => out.write(encodeLine(m)));
};

function spawn(w: number) {
  workers.get(w)?.terminate();
  const worker = new WebWorker(WORKER_URL, { type: "module" });
  worker.onmessage = (e) => send({ w, data: e.data });
  worker.onerror = (e) => {
    e.preventDefault();
    send({ w, error: e.message || "worker error" });
  };
  workers.set(w, worker);
}

// Tests replace the probe with a module that reports a made-up adapter (ICHIGO_ADAPTER_PROBE).
const probeModule = Deno.env.get("ICHIGO_ADAPTER_PROBE") ?? new URL("./adapter_probe.ts", import.meta.url).href;
const { probeAdapter } = await import(probeModule) as { probeAdapter(): Promise<AdapterReport> };
send({ w: -1, hello: await probeAdapter() });

for await (const m of readMessages<ParentMessage>(Deno.stdin.readable)) {
  if (m.op === "spawn") spawn(m.w);
  else if (m.op === "kill") {
    workers.get(m.w)?.terminate();
    workers.delete(m.w);
  } else workers.get(m.w)?.postMessage(m.data);
}
for (const w of workers.values()) w.terminate();
Deno.exit(0);
