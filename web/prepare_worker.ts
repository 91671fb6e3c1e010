// Model preparation off the page's thread: each model is downloaded (or made, for demo models) and converted
// once into Cache Storage, reporting what it does, so the pipeline workers then start from the cache and the
// page stays responsive (Stop ends this worker at once).
import * as Comlink from "comlink";
import { loadModel, MODEL_FILES } from "./model_store.ts";

export interface PrepareStatus {
  text: string;
  loaded?: number;
  total?: number;
}

const api = {
  async prepare(refs: Record<keyof typeof MODEL_FILES, string>, bandwidth: number, onStatus: (s: PrepareStatus) => void) {
    for (const kind of Object.keys(MODEL_FILES) as (keyof typeof MODEL_FILES)[]) {
      const ref = refs[kind];
      onStatus({ text: ref.startsWith("demo:") ? `making ${ref} (random weights)…` : `checking ${ref}…` });
      await loadModel(ref, MODEL_FILES[kind], {
        bandwidth,
        onProgress: (label, loaded, total) => onStatus({ text: `downloading ${label}`, loaded, total }),
        log: (message) => onStatus({ text: message }),
      });
    }
  },
};

export type PrepareApi = typeof api;
Comlink.expose(api);
