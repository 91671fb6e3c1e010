// Deterministic test doubles for the pipeline (never shipped as engines).
// Failure injection through spec.extra: failOnce / failAlways / hang / crash / deviceLost (lists of indices),
// slowMs (per item, for workers listed in slowWorkers), instant (skip the audio math; for benchmarks),
// killProcess (indices that SIGKILL the hosting process).
import { DeviceError } from "../../core/errors.ts";
import type { AudioCodec } from "../../core/worker/audio_codec.ts";
import type { CreateEngines, EngineSpec } from "../../core/worker/engines.ts";
import type { TtsEngine, TtsOptions, TtsRequest, TtsResult } from "../../core/worker/tts_engine.ts";

const SR = 24000;
const HOP = 320; // 75 frames/s

function hash(s: string, seed: number): number {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

interface Extra {
  failOnce?: number[];
  failAlways?: number[];
  hang?: number[];
  crash?: number[];
  deviceLost?: number[];
  slowMs?: number;
  slowWorkers?: number[];
  instant?: boolean;
  /** Model-loading time to simulate (ms), so tests can kill a run while workers load. */
  initDelayMs?: number;
  /** Folder for failOnce markers, so "fails once" holds across workers and processes (else per worker). */
  stateDir?: string;
  /** SIGKILLs the whole process hosting the worker at these indices (a host that crashes on a poison row). */
  killProcess?: number[];
}

const failedOnce = new Set<number>();

/** True the first time `index` asks (per run when a state folder is given, else per worker). */
function firstFailure(index: number, stateDir?: string): boolean {
  if (!stateDir) return failedOnce.has(index) ? false : (failedOnce.add(index), true);
  try {
    Deno.writeTextFileSync(`${stateDir}/failed-once-${index}`, "", { createNew: true });
    return true;
  } catch {
    return false;
  }
}

class FakeTts implements TtsEngine {
  readonly sampleRate = SR;
  constructor(private spec: EngineSpec, private extra: Extra) {}
  async synthesize(requests: TtsRequest[], options: TtsOptions): Promise<TtsResult[]> {
    const x = this.extra;
    if (x.slowMs && (x.slowWorkers ?? []).includes(this.spec.workerId)) {
      await new Promise((r) => setTimeout(r, x.slowMs! * requests.length));
    }
    if (requests.some((r) => x.hang?.includes(r.index))) await new Promise<never>(() => {});
    if (requests.some((r) => x.killProcess?.includes(r.index))) Deno.kill(Deno.pid, "SIGKILL");
    return requests.map((r): TtsResult => {
      if (x.crash?.includes(r.index)) {
        // In a worker: an uncaught error kills it, as a native crash would. In-process: the call rejects.
        if ("WorkerGlobalScope" in globalThis) setTimeout(() => { throw new Error(`injected crash at ${r.index}`); });
        throw new Error(`injected crash at ${r.index}`);
      }
      if (!r.text.trim()) return { index: r.index, ok: false, error: new Error(`row ${r.index}: empty text`) };
      if (x.deviceLost?.includes(r.index)) return { index: r.index, ok: false, error: new DeviceError("device lost") };
      if (x.failAlways?.includes(r.index)) return { index: r.index, ok: false, error: new Error(`injected failure for ${r.index}`) };
      if (x.failOnce?.includes(r.index) && firstFailure(r.index, x.stateDir)) {
        return { index: r.index, ok: false, error: new Error(`injected one-time failure for ${r.index}`) };
      }
      const frames = Math.max(1, Math.min(200, r.text.length));
      // A retry draws other "noise", as the real engines do; attempt 1 keeps the first-try output.
      const seed = (options.seed ?? 0) + r.index + ((r.attempt ?? 1) > 1 ? 7919 * r.attempt! : 0);
      const pcm = new Float32Array(x.instant ? frames : frames * HOP);
      if (!x.instant) {
        const f = 100 + (hash(r.text, seed) % 900);
        for (let i = 0; i < pcm.length; i++) pcm[i] = 0.5 * Math.sin((2 * Math.PI * f * i) / SR);
      } else pcm[0] = hash(r.text, seed) / 2 ** 32;
      return { index: r.index, ok: true, pcm, sampleRate: SR, pieces: 1 };
    });
  }
  async dispose() {}
}

class FakeCodec implements AudioCodec {
  readonly sampleRate = SR;
  readonly codebooks = 2;
  constructor(private instant: boolean) {}
  encode(pcm: Float32Array): Promise<Int32Array> {
    const frames = this.instant ? pcm.length : Math.ceil(pcm.length / HOP);
    const out = new Int32Array(frames * 2);
    const seed = Math.floor(Math.abs(pcm[this.instant ? 0 : Math.min(pcm.length - 1, 7)]) * 1e6);
    for (let t = 0; t < frames; t++) {
      out[2 * t] = (seed + 31 * t) % 1024;
      out[2 * t + 1] = (seed * 7 + 17 * t) % 1024;
    }
    return Promise.resolve(out);
  }
  decode(tokens: Int32Array): Promise<Float32Array> {
    return Promise.resolve(new Float32Array((tokens.length / 2) * HOP));
  }
  async dispose() {}
}

export const createEngines: CreateEngines = async (spec) => {
  const extra = (spec.extra ?? {}) as Extra;
  if (extra.initDelayMs) await new Promise((r) => setTimeout(r, extra.initDelayMs));
  return await Promise.resolve({
    tts: new FakeTts(spec, extra),
    codec: new FakeCodec(Boolean(extra.instant)),
    description: `fake engines on ${spec.device} (test double)`,
  });
};
