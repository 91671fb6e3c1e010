// The code that runs inside a worker: builds the engines, then turns batches of texts into tokens.
// TTS and codec run in the same worker, so audio never crosses threads; only token lists come back.
import { DeviceError, describeError, InputError } from "../errors.ts";
import type { WorkerApi } from "../schedule/worker_handle.ts";
import type { ItemOutcome } from "../types.ts";
import type { CreateEngines, EngineSpec, Engines } from "./engines.ts";
import type { TtsOptions, TtsRequest } from "./tts_engine.ts";

export type ModuleLoader = (url: string) => Promise<{ createEngines: CreateEngines }>;

export function createWorkerApi(load: ModuleLoader, log: (message: string) => void = () => {}): WorkerApi {
  let engines: Engines | undefined;
  return {
    async init(spec: EngineSpec, engineModule: string): Promise<string> {
      const mod = await load(engineModule);
      if (typeof mod.createEngines !== "function") {
        throw new Error(`engine module ${engineModule} does not export createEngines`);
      }
      engines = await mod.createEngines(spec, log);
      return engines.description;
    },

    /** Per-item problems become outcomes; a DeviceError (or any unexpected throw) rejects the whole call,
     *  which tells the scheduler to replace this worker and retry the items elsewhere. */
    async process(items: TtsRequest[], options: TtsOptions): Promise<ItemOutcome[]> {
      if (!engines) throw new Error("worker used before init()");
      const { tts, codec } = engines;
      const speech = await tts.synthesize(items, options);
      const outcomes: ItemOutcome[] = [];
      for (const result of speech) {
        if (!result.ok) {
          if (result.error instanceof DeviceError) throw result.error;
          outcomes.push({
            index: result.index,
            ok: false,
            error: `tts: ${describeError(result.error)}`,
            retriable: !(result.error instanceof InputError),
          });
          continue;
        }
        try {
          const tokens = await codec.encode(result.pcm, result.sampleRate);
          outcomes.push({ index: result.index, ok: true, tokens, seconds: result.pcm.length / result.sampleRate, pieces: result.pieces });
        } catch (e) {
          if (e instanceof DeviceError) throw e;
          outcomes.push({ index: result.index, ok: false, error: `codec: ${describeError(e)}`, retriable: true });
        }
      }
      return outcomes;
    },

    async dispose() {
      await engines?.tts.dispose();
      await engines?.codec.dispose();
      engines = undefined;
    },
  };
}
