// The page: dataset in -> settings -> the core pipeline (scheduler + Comlink workers) writing shards into
// in-page storage -> progress, results (listen, picture, tokens) -> zip or folder. Same core/ as the CLI.
import { zipSync } from "fflate";
import { resolveConfig } from "../core/config/load.ts";
import type { RawConfig } from "../core/config/schema.ts";
import { describeError } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";
import { runPipeline } from "../core/pipeline.ts";
import { MemoryStorage } from "../core/sink/memory_storage.ts";
import { decodeCsv, decodeParquet } from "../core/sink/shard_format.ts";
import type { Progress } from "../core/types.ts";
import { writeWav } from "../models/audio/wav.ts";
import { type Dataset, openFile, openHub, ROW_NUMBER } from "./dataset.ts";
import { openCodec } from "./engines.ts";
import { loadModel, storeDropped } from "./model_store.ts";
import { gpuAdapter, loadOrt } from "./ort_runtime.ts";
import { createWebWorkerFactory } from "./worker_factory.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const value = (id: string) => $<HTMLInputElement>(id).value;
const num = (id: string) => Number(value(id));

const HUB_MODELS = {
  t2s: "collabora/whisperspeech:t2s-v1.1-small-en+pl.model",
  s2a: "collabora/whisperspeech:s2a-q4-tiny-en+pl.model",
  vocos: "charactr/vocos-encodec-24khz",
  codec: "facebook/encodec_24khz",
};
const DEMO_MODELS = { t2s: "demo:t2s", s2a: "demo:s2a", vocos: "demo:vocos", codec: "demo:encodec" };

let dataset: Dataset | undefined;
let storage = new MemoryStorage("browser");
let storageKey = "";
let running: AbortController | undefined;
const texts = new Map<number, string>();

function log(message: string) {
  const el = $("log");
  el.textContent += `${new Date().toLocaleTimeString()}  ${message}\n`;
  el.scrollTop = el.scrollHeight;
}

function showError(where: HTMLElement, e: unknown) {
  where.innerHTML = "";
  const div = document.createElement("div");
  div.className = "error";
  div.textContent = describeError(e);
  where.append(div);
}

// --- dataset -------------------------------------------------------------------------------------------
async function useDataset(load: () => Promise<Dataset>) {
  const info = $("dataset-info");
  info.textContent = "reading…";
  try {
    dataset = await load();
  } catch (e) {
    dataset = undefined;
    $<HTMLButtonElement>("run").disabled = true;
    $("columns").hidden = true;
    $("preview").innerHTML = "";
    return showError(info, e);
  }
  info.textContent = `${dataset.label}: columns ${dataset.columns.join(", ")}`;
  const textCol = $<HTMLSelectElement>("text-col"), indexCol = $<HTMLSelectElement>("index-col");
  textCol.innerHTML = dataset.columns.map((c) => `<option>${escapeHtml(c)}</option>`).join("");
  indexCol.innerHTML = [ROW_NUMBER, ...dataset.columns].map((c) => `<option>${escapeHtml(c)}</option>`).join("");
  textCol.value = dataset.columns.find((c) => /prompt|text|sentence/i.test(c)) ?? dataset.columns[0];
  indexCol.value = dataset.columns.includes("index") ? "index" : ROW_NUMBER;
  $("columns").hidden = false;
  const cols = dataset.columns;
  $("preview").innerHTML = `<tr>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr>` +
    dataset.preview.map((r) => `<tr>${cols.map((c) => `<td>${escapeHtml(String(r[c] ?? ""))}</td>`).join("")}</tr>`).join("");
  $<HTMLButtonElement>("run").disabled = false;
}

const datasetInput = $<HTMLInputElement>("dataset-input");
datasetInput.addEventListener("change", () => {
  const f = datasetInput.files?.[0];
  if (f) useDataset(() => openFile(f));
});
const drop = $("drop");
drop.addEventListener("dragover", (e) => (e.preventDefault(), drop.classList.add("over")));
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  const f = e.dataTransfer?.files?.[0];
  if (f) useDataset(() => openFile(f));
});
$("hub-load").addEventListener("click", () => {
  const name = value("hub-name").trim();
  if (name) useDataset(() => openHub(name, value("hub-split").trim() || "train"));
});

// --- models ----------------------------------------------------------------------------------------------
async function modelRefs(): Promise<typeof DEMO_MODELS> {
  const choice = (document.querySelector('input[name="models"]:checked') as HTMLInputElement).value;
  if (choice === "demo") return DEMO_MODELS;
  if (choice === "hub") return HUB_MODELS;
  const refs = { ...DEMO_MODELS };
  for (const kind of ["t2s", "s2a", "vocos", "codec"] as const) {
    const f = $<HTMLInputElement>(`drop-${kind}`).files?.[0];
    if (!f) throw new Error(`drop a ${kind.toUpperCase()} checkpoint file, or choose the demo models`);
    refs[kind] = await storeDropped(f.name, new Uint8Array(await f.arrayBuffer()));
  }
  return refs;
}

function overlay(label: string, loaded: number, total?: number) {
  $("overlay").hidden = total !== undefined && loaded >= total;
  $("overlay-text").textContent = `${label}: ${(loaded / 1e6).toFixed(1)} MB${total ? ` of ${(total / 1e6).toFixed(1)} MB` : ""}`;
  $("overlay-bar").style.width = total ? `${(100 * loaded) / total}%` : "30%";
}

// --- run -------------------------------------------------------------------------------------------------
function showProgress(p: Progress) {
  const total = Math.max(1, p.total);
  $("bar").style.width = `${(100 * (p.done + p.failed)) / total}%`;
  const eta = p.etaSeconds === undefined ? "" : `, ETA ${Math.ceil(p.etaSeconds)} s`;
  $("progress-text").textContent = `${p.done + p.failed}/${p.total} (done ${p.done}, failed ${p.failed}) · ${p.itemsPerSecond.toFixed(2)} rows/s${eta}`;
}

const pageLogger: Logger = {
  debug() {},
  info: (m) => log(m),
  warn: (m) => log(`warning: ${m}`),
  error: (m) => log(`error: ${m}`),
};

async function run() {
  if (!dataset || running) return;
  const refs = await modelRefs().catch((e) => (showError($("progress-text"), e), undefined));
  if (!refs) return;
  const names = { text: $<HTMLSelectElement>("text-col").value, index: $<HTMLSelectElement>("index-col").value };
  const format = $<HTMLSelectElement>("format").value as "csv" | "parquet";
  // A new dataset, column choice, model set or format starts a fresh output; otherwise a run resumes.
  const key = JSON.stringify([dataset.label, names, refs, format, value("seed")]);
  if (key !== storageKey) {
    storage = new MemoryStorage("browser");
    storageKey = key;
    texts.clear();
    $("results").querySelector("tbody")!.innerHTML = "";
  }
  const raw = {
    dataset: { name: dataset.label, text_column: names.text, index_column: names.index },
    processing: {
      devices: [$<HTMLSelectElement>("device").value],
      num_procs_per_device: num("workers"),
      save_dir: "browser",
      save_batch_size: num("save-batch"),
      batch_size: num("batch"),
      max_retries: 2,
      speaker: value("speaker"),
      lang: value("lang"),
      cps: num("cps"),
      temperature: num("temperature"),
      seed: num("seed"),
      format,
    },
    test: { num_samples: num("rows") },
    models: refs,
  } as RawConfig;
  running = new AbortController();
  $<HTMLButtonElement>("run").disabled = true;
  $<HTMLButtonElement>("stop").disabled = false;
  $("progress-text").textContent = "starting workers (models load and convert on first use)…";
  try {
    const config = resolveConfig(raw, { test: true }, dataset.label);
    const source = await dataset.open(names);
    for await (const r of source.read()) {
      texts.set(r.index, r.text);
      if (texts.size >= config.num_samples + 64) break;
    }
    const factory = createWebWorkerFactory(
      { models: refs, bandwidth: 1.5, extra: {} },
      (id, description) => log(`worker ${id}: ${description}`),
      (m) => (m.includes("converting") ? overlay(m, 0) : log(m)),
    );
    const summary = await runPipeline(config, {
      source,
      storage,
      factory,
      logger: pageLogger,
      signal: running.signal,
      onProgress: (p) => {
        $("overlay").hidden = true;
        showProgress(p);
        void showResults();
      },
    });
    showProgress(summary);
    log(summary.aborted ? "stopped: finished rows are kept; Run resumes" : `finished: ${summary.done} done, ${summary.failed} failed`);
  } catch (e) {
    showError($("progress-text"), e);
    log(`error: ${describeError(e)}`);
  } finally {
    running = undefined;
    $("overlay").hidden = true;
    $<HTMLButtonElement>("run").disabled = false;
    $<HTMLButtonElement>("stop").disabled = true;
    await showResults();
  }
}

$("run").addEventListener("click", () => void run());
$("stop").addEventListener("click", () => running?.abort());

// --- results ---------------------------------------------------------------------------------------------
interface Row {
  index: number;
  tokens?: number[];
  error?: string;
}

async function readRows(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const name of await storage.list()) {
    const bytes = (await storage.read(name))!;
    if (/^audio_tokens_.*\.csv$/.test(name)) rows.push(...decodeCsv(bytes).map((r) => ({ index: r.index, tokens: Array.from(r.tokens) })));
    else if (/^audio_tokens_.*\.parquet$/.test(name)) rows.push(...(await decodeParquet(bytes)).map((r) => ({ index: r.index, tokens: Array.from(r.tokens) })));
    else if (/^failed_details_.*\.json$/.test(name)) {
      for (const f of JSON.parse(new TextDecoder().decode(bytes))) rows.push({ index: f.index, error: f.error });
    }
  }
  return rows.sort((a, b) => a.index - b.index);
}

let shown = new Set<number>();
async function showResults() {
  const rows = await readRows();
  const body = $("results").querySelector("tbody")!;
  if (rows.length === 0) {
    body.innerHTML = "";
    shown = new Set();
  }
  for (const r of rows) {
    if (shown.has(r.index)) continue;
    shown.add(r.index);
    const tr = document.createElement("tr");
    const text = texts.get(r.index) ?? "";
    if (r.error) {
      tr.className = "failed";
      tr.innerHTML = `<td>${r.index}</td><td class="text">${escapeHtml(text)}</td><td colspan="4">${escapeHtml(r.error)}</td>`;
    } else {
      const tokens = r.tokens!;
      tr.innerHTML = `<td>${r.index}</td><td class="text">${escapeHtml(text)}</td><td>${(tokens.length / 150).toFixed(2)}</td>` +
        `<td class="tokens" title="${tokens.length} tokens">${tokens.length}: ${tokens.slice(0, 12).join(", ")}…</td><td></td><td></td>`;
      const play = document.createElement("button");
      play.textContent = "▶ play";
      play.dataset.testid = "play";
      play.addEventListener("click", () => void listen(Int32Array.from(tokens), tr, play));
      tr.children[4].append(play);
      tr.children[5].append(tokenPicture(tokens));
    }
    body.append(tr);
  }
  const any = (await storage.list()).length > 0;
  $<HTMLButtonElement>("download").disabled = !any;
  const folder = $<HTMLButtonElement>("save-folder");
  folder.hidden = !("showDirectoryPicker" in globalThis);
  folder.disabled = !any;
}

/** The token stream as a picture: codebook 0 and 1 values over time (darker = higher code). */
function tokenPicture(tokens: number[]): HTMLCanvasElement {
  const c = document.createElement("canvas");
  c.dataset.testid = "picture";
  const frames = tokens.length / 2;
  c.width = Math.max(1, Math.min(400, frames));
  c.height = 36;
  const g = c.getContext("2d")!;
  for (let x = 0; x < c.width; x++) {
    const t = Math.floor((x * frames) / c.width);
    for (let q = 0; q < 2; q++) {
      const v = tokens[2 * t + q] / 1023;
      g.fillStyle = `hsl(${340 - 200 * v}, 70%, ${85 - 50 * v}%)`;
      g.fillRect(x, q * 18, 1, 18);
    }
  }
  return c;
}

let decoder: Promise<{ decode(t: Int32Array): Promise<Float32Array> }> | undefined;
async function listen(tokens: Int32Array, tr: HTMLTableRowElement, button: HTMLButtonElement) {
  button.disabled = true;
  try {
    log("decoding the tokens with the EnCodec decoder…");
    decoder ??= (async () => {
      const refs = JSON.parse(storageKey || "[]")[2] ?? DEMO_MODELS;
      const model = await loadModel(refs.codec, "model.safetensors", { bandwidth: 1.5, onProgress: overlay });
      return openCodec(await loadOrt("wasm", 1), model, 1.5, true);
    })();
    const pcm = await (await decoder).decode(tokens);
    const audio = document.createElement("audio");
    audio.controls = true;
    audio.src = URL.createObjectURL(new Blob([writeWav(pcm, 24000) as Uint8Array<ArrayBuffer>], { type: "audio/wav" }));
    button.replaceWith(audio);
    tr.children[5].append(waveform(pcm));
    await audio.play().catch(() => {});
  } catch (e) {
    button.disabled = false;
    log(`cannot play row: ${describeError(e)}`);
  }
}

function waveform(pcm: Float32Array): HTMLCanvasElement {
  const c = document.createElement("canvas");
  c.width = 400;
  c.height = 36;
  const g = c.getContext("2d")!;
  g.strokeStyle = "#d9366b";
  const step = Math.max(1, Math.floor(pcm.length / c.width));
  for (let x = 0; x < c.width; x++) {
    let lo = 0, hi = 0;
    for (let i = x * step; i < Math.min(pcm.length, (x + 1) * step); i++) lo = Math.min(lo, pcm[i]), hi = Math.max(hi, pcm[i]);
    g.beginPath();
    g.moveTo(x + 0.5, 18 - hi * 17);
    g.lineTo(x + 0.5, 18 - lo * 17);
    g.stroke();
  }
  return c;
}

// --- out -------------------------------------------------------------------------------------------------
async function outputFiles(): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  for (const name of await storage.list()) files[name] = (await storage.read(name))!;
  return files;
}

$("download").addEventListener("click", async () => {
  const zip = zipSync(await outputFiles());
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([zip as Uint8Array<ArrayBuffer>], { type: "application/zip" }));
  a.download = "audio_tokens.zip";
  a.click();
});

$("save-folder").addEventListener("click", async () => {
  try {
    // deno-lint-ignore no-explicit-any
    const dir = await (globalThis as any).showDirectoryPicker({ mode: "readwrite" });
    for (const [name, data] of Object.entries(await outputFiles())) {
      const w = await (await dir.getFileHandle(name, { create: true })).createWritable();
      await w.write(data);
      await w.close();
    }
    log("saved to the chosen folder");
  } catch (e) {
    log(`not saved: ${describeError(e)}`);
  }
});

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// --- what runs here --------------------------------------------------------------------------------------
(async () => {
  const adapter = await gpuAdapter();
  const f16 = adapter?.features.has("shader-f16");
  $("runtime").textContent = adapter
    ? `WebGPU available${f16 ? " (shader-f16)" : " (no shader-f16: fp32 graphs)"}${globalThis.crossOriginIsolated ? "" : " · wasm single-threaded (page not cross-origin isolated)"}`
    : `no WebGPU here (${"gpu" in navigator ? "no adapter" : "not supported by this browser"}): models run on wasm`;
})();
