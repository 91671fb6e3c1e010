// Downloads and converts the configured models once, in the process that starts the workers, before any
// worker asks for them. Without it every worker of a first run fetched and converted the same checkpoints at
// once (8 workers = 8 downloads of an 856 MB T2S and 8 conversions held in memory together).
import type { EngineSpec } from "../core/worker/engines.ts";
import { DEFAULT_FILES } from "./engine_files.ts";
import { loadConverted, type StoreOptions } from "./model_store.ts";

export async function prepareModels(
  spec: Omit<EngineSpec, "workerId" | "device">,
  log: (message: string) => void,
  options: Pick<StoreOptions, "env"> = {},
): Promise<void> {
  const store: StoreOptions = { ...options, cacheDir: spec.models.cacheDir, log, onProgress: tenthsLogger(log), verify: true };
  const convert = { bandwidth: spec.bandwidth };
  const { t2s, s2a, vocos, codec } = spec.models;
  if (t2s) await loadConverted(t2s, DEFAULT_FILES.t2s, convert, store);
  if (s2a) await loadConverted(s2a, DEFAULT_FILES.s2a, convert, store);
  if (vocos) await loadConverted(vocos, DEFAULT_FILES.vocos, convert, store);
  if (codec) await loadConverted(codec, DEFAULT_FILES.codec, convert, store);
}

/** Download progress for the log: a line at each tenth of a file (or each 100 MB when the size is unknown). */
export function tenthsLogger(log: (message: string) => void) {
  const last = new Map<string, number>();
  return (label: string, loaded: number, total?: number) => {
    const step = total ? Math.floor((10 * loaded) / total) : Math.floor(loaded / 1e8);
    if (step === (last.get(label) ?? 0)) return;
    last.set(label, step);
    log(`downloading ${label}: ${(loaded / 1e6).toFixed(0)} MB${total ? ` of ${(total / 1e6).toFixed(0)} MB` : ""}`);
  };
}
