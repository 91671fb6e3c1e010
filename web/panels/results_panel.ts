// 4 · Results: one row per finished row of the current output, shown as soon as the row finishes (not when its
// shard is written), in index order; a fresh output gets a fresh table. At phone width the table becomes a
// stacked list (style.css). Rendering is capped; the zip always holds everything.
import { describeError } from "../../core/errors.ts";
import { writeWav } from "../../models/audio/wav.ts";
import { openCodec } from "../engines.ts";
import { loadModel, MODEL_FILES } from "../model_store.ts";
import { loadOrt } from "../ort_runtime.ts";
import type { RowResult } from "../output_folder.ts";
import { log, store } from "../page_state.ts";
import { $, escapeHtml } from "./dom.ts";

const MAX_SHOWN = 500;
const FRAME_RATE = 75; // EnCodec 24 kHz frames per second; tokens hold 2 codebooks at 1.5 kbps

interface Shown {
  tr: HTMLTableRowElement;
  kind: "done" | "failed";
  text: string;
}

export function resultsPanel() {
  const body = $("results").querySelector("tbody")!;
  let outputId: string | undefined;
  let shown = new Map<number, Shown>();
  store.subscribe((s, prev) => {
    if (s !== prev && s.rowsVersion === prev.rowsVersion && s.output === prev.output) return;
    if (s.output?.id !== outputId) {
      outputId = s.output?.id;
      shown = new Map();
      body.replaceChildren();
    }
    const rows = s.output?.rows ?? new Map<number, RowResult>();
    const indices = [...rows.keys()].sort((a, b) => a - b).slice(0, MAX_SHOWN);
    let before: HTMLTableRowElement | null = null;
    for (let k = indices.length - 1; k >= 0; k--) {
      const index = indices[k];
      const r = rows.get(index)!;
      const kind = r.tokens ? "done" : "failed";
      const text = s.texts.get(index) ?? "";
      const old = shown.get(index);
      if (!old || old.kind !== kind || old.text !== text) {
        const tr = kind === "done" ? doneRow(index, text, r.tokens!) : failedRow(index, text, r.error ?? "");
        if (old) old.tr.replaceWith(tr);
        else body.insertBefore(tr, before);
        shown.set(index, { tr, kind, text });
      }
      before = shown.get(index)!.tr;
    }
    for (const [index, { tr }] of shown) {
      if (!rows.has(index)) (tr.remove(), shown.delete(index));
    }
    $("results-empty").hidden = rows.size > 0;
    const more = $("results-more");
    more.hidden = rows.size <= MAX_SHOWN;
    more.textContent = `${rows.size - MAX_SHOWN} more row(s) are in the download.`;
  });
}

function cell(label: string, className = ""): HTMLTableCellElement {
  const td = document.createElement("td");
  td.dataset.label = label;
  if (className) td.className = className;
  return td;
}

function failedRow(index: number, text: string, error: string): HTMLTableRowElement {
  const tr = document.createElement("tr");
  tr.className = "failed";
  tr.innerHTML = `<td data-label="index">${index}</td><td class="text" data-label="text">${escapeHtml(text)}</td>` +
    `<td colspan="4" data-label="failed">${escapeHtml(error)}</td>`;
  return tr;
}

function doneRow(index: number, text: string, tokens: Int32Array): HTMLTableRowElement {
  const tr = document.createElement("tr");
  const frames = tokens.length / 2;
  const cells = [cell("index"), cell("text", "text"), cell("audio s"), cell("tokens", "tokens"), cell("listen"), cell("picture", "picture")];
  cells[0].textContent = String(index);
  cells[1].textContent = text;
  cells[2].textContent = (frames / FRAME_RATE).toFixed(2);
  cells[3].textContent = `${tokens.length}: ${Array.from(tokens.slice(0, 8)).join(" ")} …`;
  cells[3].title = `${tokens.length} tokens`;
  const play = document.createElement("button");
  play.type = "button";
  play.textContent = "▶ play";
  play.dataset.testid = "play";
  play.setAttribute("aria-label", `Play row ${index}`);
  const pictures = document.createElement("div");
  pictures.append(tokenPicture(index, tokens));
  play.addEventListener("click", () => void listen(index, tokens, pictures, play));
  cells[4].append(play);
  cells[5].append(pictures);
  tr.append(...cells);
  return tr;
}

/** The token stream as a picture: codebook 0 and 1 values over time (darker = higher code). */
function tokenPicture(index: number, tokens: Int32Array): HTMLCanvasElement {
  const c = document.createElement("canvas");
  c.dataset.testid = "picture";
  c.setAttribute("role", "img");
  const frames = tokens.length / 2;
  c.setAttribute("aria-label", `Token picture of row ${index}: ${frames} frames of 2 codebooks, darker is a higher code`);
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

const decoders = new Map<string, Promise<{ decode(t: Int32Array): Promise<Float32Array> }>>();

async function listen(index: number, tokens: Int32Array, pictureCell: HTMLElement, button: HTMLButtonElement) {
  const codec = store.state.output?.identity.generation.models.codec.ref ?? undefined;
  if (!codec) return;
  button.disabled = true;
  try {
    log(`decoding row ${index} with the EnCodec decoder…`);
    if (!decoders.has(codec)) {
      decoders.set(codec, (async () => openCodec(await loadOrt("wasm", 1), await loadModel(codec, MODEL_FILES.codec, { bandwidth: 1.5 }), 1.5, true))());
    }
    const pcm = await (await decoders.get(codec)!).decode(tokens);
    const audio = document.createElement("audio");
    audio.controls = true;
    audio.setAttribute("aria-label", `Audio of row ${index}`);
    audio.src = URL.createObjectURL(new Blob([writeWav(pcm, 24000) as Uint8Array<ArrayBuffer>], { type: "audio/wav" }));
    button.replaceWith(audio);
    pictureCell.append(waveform(index, pcm));
    await audio.play().catch(() => {});
  } catch (e) {
    decoders.delete(codec);
    button.disabled = false;
    log(`cannot play row ${index}: ${describeError(e)}`);
  }
}

function waveform(index: number, pcm: Float32Array): HTMLCanvasElement {
  const c = document.createElement("canvas");
  c.setAttribute("role", "img");
  let peak = 0;
  for (const v of pcm) peak = Math.max(peak, Math.abs(v));
  c.setAttribute("aria-label", `Waveform of row ${index}: ${(pcm.length / 24000).toFixed(2)} s, peak ${peak.toFixed(2)}`);
  c.width = 400;
  c.height = 36;
  const g = c.getContext("2d")!;
  g.strokeStyle = "#b0244f";
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
