// The page: dataset in -> settings -> the core pipeline (scheduler + Comlink workers) writing shards into the
// Origin Private File System -> progress, results (listen, picture, tokens) -> zip or folder. Same core/ as the
// CLI. State lives in one store (page_state.ts); each panel (panels/) renders its part from it.
import { classifyAdapter, readAdapterInfo } from "../core/worker/adapter_kind.ts";
import { gpuAdapter } from "./ort_runtime.ts";
import { store } from "./page_state.ts";
import { datasetPanel, restoreDataset } from "./panels/dataset_panel.ts";
import { $ } from "./panels/dom.ts";
import { modelsPanel } from "./panels/models_panel.ts";
import { resultsPanel } from "./panels/results_panel.ts";
import { runPanel } from "./panels/run_panel.ts";
import { refreshStored } from "./run_control.ts";

datasetPanel();
modelsPanel();
runPanel();
resultsPanel();

// Leaving mid-run loses the rows in flight (finished rows are kept): ask first.
addEventListener("beforeunload", (e) => {
  if (store.state.phase !== "idle") e.preventDefault();
});

/** WebGPU by default only on a hardware adapter; a software one (SwiftShader, llvmpipe) is slower than wasm. */
async function detectRuntime() {
  const adapter = await gpuAdapter();
  const threads = globalThis.crossOriginIsolated ? "" : " · wasm single-threaded (page not cross-origin isolated)";
  let runtime: string, device: "webgpu" | "wasm";
  if (!adapter) {
    device = "wasm";
    runtime = `no WebGPU here (${"gpu" in navigator ? "no adapter" : "not supported by this browser"}): models run on wasm${threads}`;
  } else {
    const kind = classifyAdapter(readAdapterInfo(adapter as never));
    const f16 = adapter.features.has("shader-f16") ? "shader-f16" : "no shader-f16: fp32 graphs";
    device = kind.kind === "hardware" ? "webgpu" : "wasm";
    runtime = kind.kind === "hardware"
      ? `WebGPU on ${kind.name} (${f16})${threads}`
      : `WebGPU adapter ${kind.name} is software (${kind.reason}): wasm is the default; WebGPU can still be picked${threads}`;
  }
  const s = store.state;
  if (!s.storedSettings.has("device") && s.settings.device !== device) {
    store.update({ settings: { ...s.settings, device } });
    $<HTMLSelectElement>("device").value = device;
  }
  store.update({ runtime });
}

await Promise.all([detectRuntime(), restoreDataset(), refreshStored()]);
