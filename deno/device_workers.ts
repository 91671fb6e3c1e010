// Workers for the configured devices: in-process Web Workers for cpu/wasm/webgpu, and one child process per
// physical GPU (gpu:N) hosting that GPU's workers, relayed over the child's stdin/stdout.
import * as Comlink from "comlink";
import type { PipelineConfig } from "../core/config/types.ts";
import { ModelError } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";
import type { WorkerApi, WorkerFactory, WorkerHandle } from "../core/schedule/worker_handle.ts";
import type { EngineSpec } from "../core/worker/engines.ts";
import { ConfigError } from "../core/errors.ts";
import { type AdapterReport, probeAdapter } from "./adapter_probe.ts";
import {
  ALLOW_SOFTWARE_ENV,
  describeReport,
  duplicate,
  firstSoftwareWarning,
  fp16Refusal,
  refusal,
  softwareAllowed,
  softwareWarning,
} from "./adapter_check.ts";
import { gpuEnvironment, hostGpus } from "./device_env.ts";
import { encodeLine, type HostMessage, type ParentMessage, readMessages } from "./device_wire.ts";
import { prepareModels } from "./prepare_models.ts";
import { createDenoWorkerFactory } from "./worker_pool.ts";

/** The production engines (WhisperSpeech + EnCodec); tests name test doubles instead. */
export const DEFAULT_ENGINE_MODULE = new URL("./engines.ts", import.meta.url).href;

export interface WorkerSetOptions {
  config: PipelineConfig;
  engineModule: string;
  logger: Logger;
  onStarted?: (id: number, description: string) => void;
  /** Extra options for engines (test doubles use it for fault injection). */
  extra?: Record<string, unknown>;
}

export function engineSpecOf(config: PipelineConfig, extra?: Record<string, unknown>): Omit<EngineSpec, "workerId" | "device"> {
  return { models: config.models, bandwidth: config.processing.bandwidth, precision: config.processing.precision, extra };
}

export interface WorkerSet {
  factory: WorkerFactory;
  /** Fetches and converts the models (production engines only); the run awaits it before any worker starts. */
  prepare(): Promise<void>;
  /** Ends every worker now (starting or running) and refuses new ones: the run is stopping. */
  stop(): void;
  /** Starts each gpu:N process and checks the adapter it gets (and the one webgpu workers get); throws a
   *  ConfigError (exit 2) for a software renderer, no adapter, or two gpu:N on one physical GPU. The factory
   *  does it before the first GPU worker starts. */
  checkDevices(): Promise<void>;
  close(): Promise<void>;
}

export function createWorkerFactory(options: WorkerSetOptions): WorkerSet {
  const spec = engineSpecOf(options.config, options.extra ?? extraFromEnv());
  const stopping = new AbortController();
  const local = createDenoWorkerFactory({
    engineModule: options.engineModule,
    spec,
    logger: options.logger,
    onStarted: options.onStarted,
    stop: stopping.signal,
  });
  const hosts = new Map<number, DeviceHost>();
  // The production engines' models are fetched and converted here once, before the first worker needs them. A
  // model the converter refuses (ModelError) stays refused: parsing a hostile or damaged file again for each
  // worker start retry would only repeat the work and the message. Other failures (network) are tried again.
  let prepared: Promise<void> | undefined;
  const prepare = () => {
    if (options.engineModule !== DEFAULT_ENGINE_MODULE) return Promise.resolve();
    prepared ??= prepareModels(spec, (m) => options.logger.info(m)).catch((e) => {
      if (!(e instanceof ModelError)) prepared = undefined;
      throw e;
    });
    return prepared;
  };
  const gpus = hostGpus();
  const reports = new Map<string, AdapterReport>();
  // The host for gpu:N, started if needed; its adapter is checked before any worker runs on it.
  const hostFor = async (n: number) => {
    let host = hosts.get(n);
    if (!host || host.exited) {
      if (gpus.length > 0 && n >= gpus.length) {
        throw new ConfigError(`gpu:${n}: this machine has ${gpus.length} GPU(s) (gpu:0 to gpu:${gpus.length - 1}: ${gpus.join(", ")})`, "processing.devices");
      }
      host = new DeviceHost(n, gpuEnvironment(n, Deno.env.toObject(), gpus[n]), options.logger);
      hosts.set(n, host);
    }
    const report = await reportWithin(host, REPORT_TIMEOUT_MS);
    const fresh = reports.get(`gpu:${n}`) !== report;
    if (fresh) options.logger.info(describeReport(`gpu:${n}`, report));
    reports.set(`gpu:${n}`, report);
    const refused = refusal(`gpu:${n}`, report, softwareAllowed(Deno.env)) ?? fp16Refusal(`gpu:${n}`, report, spec.precision) ??
      duplicate(reports);
    if (refused) throw new ConfigError(refused, "processing.devices");
    if (fresh && report.adapter?.kind === "software") options.logger.warn(`${softwareWarning(`gpu:${n}`, report.adapter.name)} (${ALLOW_SOFTWARE_ENV} is set)`);
    return host;
  };
  const checkDevices = async () => {
    const devices = [...new Set(options.config.processing.devices)];
    const gpuNumbers = devices.flatMap((d) => d.match(/^gpu:(\d+)$/)?.[1] ?? []).map(Number);
    const started = await Promise.allSettled(gpuNumbers.map(hostFor));
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    if (devices.includes("webgpu")) {
      // In-process webgpu workers get the adapter this process gets.
      const r = await probeAdapter();
      options.logger.info(describeReport("webgpu", r));
      const noF16 = fp16Refusal("webgpu", r, spec.precision);
      if (noF16) throw new ConfigError(noF16, "processing.precision");
      if (r.adapter?.kind === "software" && firstSoftwareWarning()) options.logger.warn(softwareWarning("webgpu", r.adapter.name));
    }
  };
  // Every GPU device is checked together before the first GPU worker starts, so two gpu:N on one GPU are
  // refused before any work; a refusal is a ConfigError, which stops the run at once (exit 2).
  let checked: Promise<void> | undefined;
  const factory: WorkerFactory = async (id, device) => {
    if (stopping.signal.aborted) throw new Error("stopping");
    await prepare();
    if (device === "webgpu" || device.startsWith("gpu:")) await (checked ??= checkDevices());
    const gpu = device.match(/^gpu:(\d+)$/);
    if (!gpu) return local(id, device);
    const host = await hostFor(Number(gpu[1]));
    const handle = host.worker(id, device, options.engineModule, spec);
    const description = await handle.description;
    options.logger.info(`worker ${id} on ${device} (process ${host.pid}): ${description}`);
    options.onStarted?.(id, description);
    return handle.handle;
  };
  return {
    factory,
    prepare,
    stop: () => {
      stopping.abort();
      for (const h of hosts.values()) h.kill();
    },
    checkDevices,
    close: async () => {
      for (const h of hosts.values()) await h.close();
    },
  };
}

/** Test doubles read fault-injection settings from ICHIGO_ENGINE_EXTRA (JSON); production engines ignore it. */
function extraFromEnv(): Record<string, unknown> | undefined {
  const raw = Deno.env.get("ICHIGO_ENGINE_EXTRA");
  return raw ? JSON.parse(raw) : undefined;
}

/** A GPU driver that hangs while an adapter is requested must not hang the run. */
const REPORT_TIMEOUT_MS = 120_000;

function reportWithin(host: DeviceHost, ms: number): Promise<AdapterReport> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the process for gpu:${host.gpu} did not report its adapter within ${ms / 1000} s`)), ms);
  });
  return Promise.race([host.report, late]).finally(() => clearTimeout(timer));
}

/** One child process serving GPU N. */
class DeviceHost {
  #child: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #listeners = new Map<number, (m: HostMessage) => void>();
  #deaths = new Map<number, (e: Error) => void>();
  exited = false;
  readonly pid: number;
  /** The adapter this process got: its first message. */
  readonly report: Promise<AdapterReport>;
  #hello!: (r: AdapterReport) => void;
  #noHello!: (e: Error) => void;

  constructor(readonly gpu: number, env: Record<string, string>, private logger: Logger) {
    this.report = new Promise((resolve, reject) => {
      this.#hello = resolve;
      this.#noHello = reject;
    });
    this.report.catch(() => {}); // also reported through the factory
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("./device_host.ts", import.meta.url).href],
      env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.pid = this.#child.pid;
    this.#stdin = this.#child.stdin.getWriter();
    this.#readLoop();
    this.#child.status.then((s) => {
      this.exited = true;
      const e = new Error(`device process for gpu:${gpu} exited (code ${s.code}${s.signal ? `, ${s.signal}` : ""})`);
      for (const die of this.#deaths.values()) die(e);
      this.#noHello(e); // no effect once the report came
    });
  }

  async #readLoop() {
    for await (const m of readMessages<HostMessage>(this.#child.stdout)) {
      if (m.hello) this.#hello(m.hello);
      else if (m.error !== undefined) this.#deaths.get(m.w)?.(new Error(m.error));
      else this.#listeners.get(m.w)?.(m);
    }
  }

  #send(m: ParentMessage) {
    this.#stdin.write(encodeLine(m)).catch(() => {});
  }

  worker(id: number, device: string, engineModule: string, spec: Omit<EngineSpec, "workerId" | "device">) {
    this.#send({ op: "spawn", w: id });
    const listeners = new Set<(ev: MessageEvent) => void>();
    this.#listeners.set(id, (m) => listeners.forEach((l) => l({ data: m.data } as MessageEvent)));
    const endpoint: Comlink.Endpoint = {
      postMessage: (data: unknown) => this.#send({ w: id, data }),
      addEventListener: (_t: string, l: EventListenerOrEventListenerObject) => listeners.add(l as (ev: MessageEvent) => void),
      removeEventListener: (_t: string, l: EventListenerOrEventListenerObject) => listeners.delete(l as (ev: MessageEvent) => void),
    };
    const died = new Promise<Error>((resolve) => this.#deaths.set(id, resolve));
    if (this.exited) this.#deaths.get(id)!(new Error(`device process for gpu:${this.gpu} is gone`));
    const api = Comlink.wrap<WorkerApi>(endpoint) as unknown as WorkerApi;
    const terminate = () => {
      this.#send({ op: "kill", w: id });
      this.#listeners.delete(id);
    };
    const description = Promise.race([
      api.init({ ...spec, workerId: id, device }, engineModule),
      died.then((e) => Promise.reject(e)),
    ]).catch((e) => {
      terminate();
      throw e;
    });
    const handle: WorkerHandle = { id, device, api, died, terminate };
    return { handle, description };
  }

  /** Ends the device process now; its workers' batches fail over (the run is stopping). */
  kill() {
    try {
      this.#child.kill("SIGKILL");
    } catch { /* gone */ }
  }

  async close() {
    try {
      await this.#stdin.close();
    } catch { /* already closed */ }
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 5000);
    await this.#child.status;
    clearTimeout(timer);
    this.logger.debug(`device process for gpu:${this.gpu} closed`);
  }
}
