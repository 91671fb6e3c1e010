// How a worker gets its models: a module that exports `createEngines(spec)`.
// The default module is models/registry.ts; tests point at test/fakes/ instead.
import type { AudioCodec } from "./audio_codec.ts";
import type { TtsEngine, TtsOptions } from "./tts_engine.ts";

/** Model references, as in the config's `models` section. */
export interface ModelRefs {
  t2s?: string;
  s2a?: string;
  vocos?: string;
  codec?: string;
  /** Folder or cache dir for downloads and converted graphs. */
  cacheDir?: string;
}

/** Everything a worker needs to build its engines; structured-cloneable (crosses into Web Workers). */
export interface EngineSpec {
  models: ModelRefs;
  /** `cpu` (onnxruntime-node), `wasm`, `webgpu`, or `gpu:N` (webgpu on physical GPU N). */
  device: string;
  /** Codec bandwidth in kbps (1.5 -> 2 codebooks). */
  bandwidth: number;
  /** processing.precision (auto when absent): which decoder graphs a WebGPU worker runs. */
  precision?: "auto" | "fp32" | "fp16";
  /** Worker number (0-based), for logs. */
  workerId: number;
  /** Free-form options for test doubles and engines (e.g. failure injection in tests). */
  extra?: Record<string, unknown>;
}

export interface Engines {
  tts: TtsEngine;
  codec: AudioCodec;
  /** What actually runs, for the log: e.g. "webgpu (shader-f16)" or "wasm: no WebGPU adapter". */
  description: string;
}

export type CreateEngines = (spec: EngineSpec, log?: (message: string) => void) => Promise<Engines>;

export type { TtsOptions };
