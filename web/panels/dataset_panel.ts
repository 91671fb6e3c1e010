// 1 · Dataset: drop/pick a file or name a Hub dataset; choose the text and index columns (never guessed
// silently: the page names the column it uses, or asks); a preview of the first rows.
import { describeError } from "../../core/errors.ts";
import { type Dataset, fileIdentity, openFile, openHub, ROW_NUMBER } from "../dataset.ts";
import { keepFile, keepHub, keptDataset } from "../dataset_keep.ts";
import { log, store } from "../page_state.ts";
import { chooseOutput } from "../run_control.ts";
import { saveSettings } from "../settings.ts";
import { $, escapeHtml, setText } from "./dom.ts";

const TEXT_NAMES = [/^(prompt|text|sentence)$/i, /prompt|text|sentence/i];

function pickColumns(d: Dataset) {
  const s = store.state.settings;
  const text = d.columns.includes(s.textColumn) ? s.textColumn : TEXT_NAMES.map((re) => d.columns.find((c) => re.test(c))).find(Boolean) ?? "";
  const index = d.columns.includes(s.indexColumn) ? s.indexColumn : d.columns.includes("index") ? "index" : ROW_NUMBER;
  return { text, index };
}

function describe(d: Dataset, text: string, index: string) {
  const cols = `${d.columns.length} column(s): ${d.columns.join(", ")}`;
  if (!text) return { text: `${d.label}: ${cols}. No column is called prompt or text: choose the text column below.`, error: true };
  return { text: `${d.label}: ${cols}. Text from "${text}", index from ${index === ROW_NUMBER ? "the row number" : `"${index}"`}.` };
}

export async function loadDataset(load: () => Promise<Dataset>, keep?: () => Promise<void>) {
  if (store.state.phase !== "idle") return;
  store.update({ datasetMessage: { text: "reading…" } });
  let dataset: Dataset;
  try {
    dataset = await load();
  } catch (e) {
    store.update({ dataset: undefined, output: undefined, datasetMessage: { text: describeError(e), error: true } });
    return;
  }
  const { text, index } = pickColumns(dataset);
  const settings = { ...store.state.settings, textColumn: text, indexColumn: index };
  saveSettings(settings);
  store.update({ dataset, settings, texts: new Map(), datasetMessage: describe(dataset, text, index) });
  keep?.().catch((e) => log(`the dataset is not kept for the next visit: ${describeError(e)}`));
  await chooseOutput({ onLoad: !keep });
}

function setColumn(key: "textColumn" | "indexColumn", value: string) {
  const settings = { ...store.state.settings, [key]: value };
  saveSettings(settings);
  const d = store.state.dataset;
  store.update({ settings, texts: new Map(), datasetMessage: d ? describe(d, settings.textColumn, settings.indexColumn) : store.state.datasetMessage });
  void chooseOutput();
}

export function datasetPanel() {
  const input = $<HTMLInputElement>("dataset-input");
  const fromFile = (f: File) => loadDataset(() => openFile(f), () => keepFile(f, fileIdentity(f)));
  input.addEventListener("change", () => {
    const f = input.files?.[0];
    if (f) void fromFile(f);
  });
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => (e.preventDefault(), drop.classList.add("over")));
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    const f = e.dataTransfer?.files?.[0];
    if (f) void fromFile(f);
  });
  $("hub-load").addEventListener("click", () => {
    const name = $<HTMLInputElement>("hub-name").value.trim();
    const split = $<HTMLInputElement>("hub-split").value.trim() || "train";
    if (!name) {
      store.update({ datasetMessage: { text: "Type a Hugging Face dataset name first, e.g. jan-hq/prompt-voice-v1.5", error: true } });
      $("hub-name").focus();
      return;
    }
    const settings = { ...store.state.settings, hubName: name, hubSplit: split };
    saveSettings(settings);
    store.update({ settings });
    void loadDataset(() => openHub(name, split), () => Promise.resolve(keepHub(name, split)));
  });
  $("text-col").addEventListener("change", (e) => setColumn("textColumn", (e.target as HTMLSelectElement).value));
  $("index-col").addEventListener("change", (e) => setColumn("indexColumn", (e.target as HTMLSelectElement).value));
  $<HTMLInputElement>("hub-name").value = store.state.settings.hubName;
  $<HTMLInputElement>("hub-split").value = store.state.settings.hubSplit;

  store.subscribe((s, prev) => {
    const info = $("dataset-info");
    setText(info, s.datasetMessage.text);
    info.classList.toggle("error", s.datasetMessage.error === true);
    const busy = s.phase !== "idle";
    for (const id of ["dataset-input", "hub-load", "text-col", "index-col"]) $<HTMLInputElement>(id).disabled = busy;
    if (s.dataset === prev.dataset && s.settings.textColumn === prev.settings.textColumn && s !== prev) return;
    const d = s.dataset;
    $("columns").hidden = !d;
    $("preview-box").hidden = !d;
    if (!d) return ($("preview").innerHTML = "");
    const option = (c: string) => `<option>${escapeHtml(c)}</option>`;
    const textCol = $<HTMLSelectElement>("text-col");
    textCol.innerHTML = (s.settings.textColumn ? "" : `<option value="">— choose the text column —</option>`) + d.columns.map(option).join("");
    textCol.value = s.settings.textColumn;
    const indexCol = $<HTMLSelectElement>("index-col");
    indexCol.innerHTML = [ROW_NUMBER, ...d.columns].map(option).join("");
    indexCol.value = s.settings.indexColumn || ROW_NUMBER;
    const cols = d.columns;
    $("preview").innerHTML = `<caption class="sr-only">First rows of ${escapeHtml(d.label)}</caption>` +
      `<tr>${cols.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join("")}</tr>` +
      d.preview.map((r) => `<tr>${cols.map((c) => `<td>${escapeHtml(String(r[c] ?? ""))}</td>`).join("")}</tr>`).join("");
  });
}

/** On load: the dataset kept from the last visit, if any. */
export async function restoreDataset() {
  const kept = await keptDataset();
  if (!kept) return;
  if ("file" in kept) await loadDataset(() => openFile(kept.file, kept.identity));
  else await loadDataset(() => openHub(kept.hub, kept.split));
}
