// Bounds on the worker set, checked when the config is read (before anything starts): the devices list, gpu:N
// against the GPUs the machine has (where the runtime can tell), and the number of workers against its cores and
// memory. A 10,000-worker or 2,000,000-device config once started them all until the kernel killed the process.
import { ConfigError } from "../errors.ts";
import type { ProcessingConfig } from "./types.ts";

/** What the runtime knows about the machine (deno/host_info.ts); absent parts are not checked. */
export interface HostInfo {
  cores?: number;
  memoryBytes?: number;
  /** GPUs found, and how they were looked for (for the message); undefined count: cannot be known here. */
  gpus?: { count?: number; checked: string };
}

export const MAX_DEVICES = 64;
export const MAX_GPU_INDEX = 255;
/** Whatever the machine: no run starts more workers than this. */
export const MAX_WORKERS = 256;
export const WORKERS_PER_CORE = 8;
export const MEMORY_PER_WORKER = 256 * 2 ** 20;

/** Throws a ConfigError naming the key, or adds a warning where the machine cannot tell. */
export function checkWorkerBounds(p: ProcessingConfig, where: string, host: HostInfo | undefined, warnings: string[]): void {
  const devices = p.devices;
  if (devices.length > MAX_DEVICES) {
    throw new ConfigError(`${devices.length} entries; at most ${MAX_DEVICES} (each device is named once; ` +
      `num_procs_per_device sets the workers per device)`, where);
  }
  const seen = new Map<string, number>();
  devices.forEach((d, i) => {
    const gpu = d.match(/^gpu:(\d+)$/);
    if (gpu && (gpu[1].length > 3 || Number(gpu[1]) > MAX_GPU_INDEX)) {
      throw new ConfigError(`"${cut(d)}": GPU indices run from 0 to ${MAX_GPU_INDEX}`, `${where}[${i}]`);
    }
    if (seen.has(d)) {
      throw new ConfigError(`"${d}" is listed twice (also at [${seen.get(d)}]); use num_procs_per_device for more workers on one device`, `${where}[${i}]`);
    }
    seen.set(d, i);
  });
  const gpus = devices.map((d) => Number(d.match(/^gpu:(\d+)$/)?.[1] ?? NaN)).filter((n) => !Number.isNaN(n));
  if (gpus.length > 0 && host?.gpus) {
    const { count, checked } = host.gpus;
    const highest = Math.max(...gpus);
    if (count !== undefined && count > 0 && highest >= count) {
      throw new ConfigError(`gpu:${highest} but this machine has ${count} GPU(s), gpu:0 to gpu:${count - 1} (found by ${checked})`, where);
    }
    if (!count) {
      warnings.push(`${where}: no GPU found (looked at ${checked}); gpu:${gpus.join(", gpu:")} will use whatever adapter ` +
        `WebGPU offers, possibly a software renderer`);
    }
  }
  const workers = devices.length * p.num_procs_per_device;
  const caps: [number, string][] = [[MAX_WORKERS, `${MAX_WORKERS} in any run`]];
  if (host?.cores) caps.push([WORKERS_PER_CORE * host.cores, `${WORKERS_PER_CORE} per CPU core on ${host.cores} cores`]);
  if (host?.memoryBytes) {
    caps.push([Math.floor(host.memoryBytes / MEMORY_PER_WORKER),
      `one per ${MEMORY_PER_WORKER / 2 ** 20} MiB of the ${(host.memoryBytes / 2 ** 30).toFixed(1)} GiB of memory`]);
  }
  const [cap, why] = caps.reduce((a, b) => (b[0] < a[0] ? b : a));
  if (workers > Math.max(1, cap)) {
    throw new ConfigError(`${p.num_procs_per_device} x ${devices.length} device(s) = ${workers} workers; at most ` +
      `${Math.max(1, cap)} here (${why})`, "processing.num_procs_per_device");
  }
}

/** JavaScript timers hold 2^31-1 ms (24.8 days); a longer delay fires at once (a 1e9 s timeout hung every batch). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A batch's time limit (item_timeout_s x batch_size) must fit in a timer. */
export function checkTimeouts(p: ProcessingConfig, where: string): void {
  const ms = p.item_timeout_s * p.batch_size * 1000;
  if (ms > MAX_TIMER_MS) {
    throw new ConfigError(`${p.item_timeout_s} s x batch_size ${p.batch_size} = ${(ms / 86_400_000).toFixed(0)} days for a batch; at most ` +
      `${(MAX_TIMER_MS / 86_400_000).toFixed(1)} days (a longer timer fires at once, declaring every worker hung)`, where);
  }
}

/** A value for a message: long ones cut, so a hostile 50 MB value does not flood the terminal. */
export function cut(s: string, max = 80): string {
  return s.length <= max ? s : `${s.slice(0, max)}... (${s.length} characters)`;
}
