// What the machine offers, for the config-time worker bounds (core/config/bounds.ts): CPU cores, memory, and the
// GPUs the kernel lists. WebGPU cannot enumerate adapters, so GPUs are counted from the OS, taking the largest of:
// NVIDIA's driver (/proc/driver/nvidia/gpus/*, /dev/nvidia0..N) and the DRM subsystem (/sys/class/drm/cardN, any
// vendor). None of them readable (not Linux, a container without them): the count is unknown and only a warning
// is given.
import type { HostInfo } from "../core/config/bounds.ts";

const CHECKED = "/proc/driver/nvidia/gpus, /dev/nvidia*, /sys/class/drm/card*";

export function hostInfo(): HostInfo {
  let memoryBytes: number | undefined;
  try {
    memoryBytes = Deno.systemMemoryInfo().total;
  } catch { /* unknown */ }
  return { cores: navigator.hardwareConcurrency || undefined, memoryBytes, gpus: { count: countGpus(), checked: CHECKED } };
}

function countGpus(): number | undefined {
  const counts = [
    names("/proc/driver/nvidia/gpus")?.length,
    names("/dev")?.filter((n) => /^nvidia\d+$/.test(n)).length,
    names("/sys/class/drm")?.filter((n) => /^card\d+$/.test(n)).length,
  ].filter((n): n is number => n !== undefined);
  return counts.length ? Math.max(...counts) : undefined;
}

function names(dir: string): string[] | undefined {
  try {
    return [...Deno.readDirSync(dir)].map((e) => e.name);
  } catch {
    return undefined;
  }
}
