// 3 · Run: the settings (kept across reloads), Run/Continue, Retry failed rows, Stop, downloads, progress of
// the output towards its target, the log, and what is stored in the browser.
import { zipSync } from "fflate";
import { describeError } from "../../core/errors.ts";
import { announce, log, store } from "../page_state.ts";
import { chooseOutput, clearStored, countsOf, run, startFresh, stop } from "../run_control.ts";
import { saveSettings, type Settings } from "../settings.ts";
import { $, formatBytes, setText } from "./dom.ts";

const FIELDS: [string, keyof Settings][] = [
  ["rows", "rows"],
  ["device", "device"],
  ["speaker", "speaker"],
  ["lang", "lang"],
  ["cps", "cps"],
  ["temperature", "temperature"],
  ["seed", "seed"],
  ["batch", "batch"],
  ["workers", "workers"],
  ["save-batch", "saveBatch"],
  ["format", "format"],
];

async function outputFiles(): Promise<Record<string, Uint8Array>> {
  const storage = store.state.output?.storage;
  const files: Record<string, Uint8Array> = {};
  for (const name of (await storage?.list()) ?? []) files[name] = (await storage!.read(name))!;
  return files;
}

export function runPanel() {
  for (const [id, key] of FIELDS) {
    const el = $<HTMLInputElement | HTMLSelectElement>(id);
    el.value = String(store.state.settings[key]);
    el.addEventListener("change", () => {
      const numeric = typeof store.state.settings[key] === "number";
      const value = numeric ? Number(el.value) : el.value;
      if (numeric && (!Number.isFinite(value) || el.value.trim() === "")) return void (el.value = String(store.state.settings[key]));
      const settings = { ...store.state.settings, [key]: value };
      saveSettings(settings);
      store.update((s) => ({ settings, storedSettings: new Set([...s.storedSettings, key]) }));
      void chooseOutput();
    });
  }
  $("run").addEventListener("click", () => void run("continue"));
  $("retry").addEventListener("click", () => void run("retry"));
  $("stop").addEventListener("click", () => stop());
  $("restore-continue").addEventListener("click", () => void run("continue"));
  $("restore-fresh").addEventListener("click", () => {
    if (confirm("Delete the stored rows of these settings and start fresh?")) void startFresh();
  });
  $("clear-stored").addEventListener("click", () => {
    const { count, bytes } = store.state.stored;
    if (confirm(`Delete all ${count} stored output(s) (${formatBytes(bytes)}) from this browser?`)) void clearStored();
  });
  $("download").addEventListener("click", async () => {
    const zip = zipSync(await outputFiles());
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([zip as Uint8Array<ArrayBuffer>], { type: "application/zip" }));
    a.download = "audio_tokens.zip";
    a.click();
  });
  const folder = $<HTMLButtonElement>("save-folder");
  folder.hidden = !("showDirectoryPicker" in globalThis);
  folder.addEventListener("click", async () => {
    try {
      // deno-lint-ignore no-explicit-any
      const dir = await (globalThis as any).showDirectoryPicker({ mode: "readwrite" });
      for (const [name, data] of Object.entries(await outputFiles())) {
        if (name.includes("/")) continue; // quarantine/ stays in the browser
        const w = await (await dir.getFileHandle(name, { create: true })).createWritable();
        await w.write(data);
        await w.close();
      }
      announce("saved to the chosen folder");
    } catch (e) {
      log(`not saved: ${describeError(e)}`);
    }
  });

  store.subscribe((s, prev) => {
    const idle = s.phase === "idle";
    const { done, failed, finished } = countsOf(s.output);
    const target = s.settings.rows;
    const runButton = $<HTMLButtonElement>("run");
    const label = finished === 0
      ? "Run"
      : finished < target
      ? `Continue (${finished} of ${target} done)`
      : finished === target
      ? `All ${target} rows done`
      : `Done (${finished} rows stored; Rows is ${target})`;
    setText(runButton, label);
    runButton.disabled = !idle || !s.output || finished >= target;
    const retry = $<HTMLButtonElement>("retry");
    retry.hidden = failed === 0;
    retry.disabled = !idle;
    setText(retry, `Retry failed rows (${failed})`);
    $<HTMLButtonElement>("stop").disabled = idle || s.phase === "stopping";
    $<HTMLButtonElement>("download").disabled = !idle || finished === 0;
    $<HTMLButtonElement>("save-folder").disabled = !idle || finished === 0;
    $<HTMLButtonElement>("clear-stored").disabled = !idle || s.stored.count === 0;
    for (const [id] of FIELDS) $<HTMLInputElement>(id).disabled = !idle && id !== "rows";

    const bar = $("progressbar");
    const max = Math.max(1, target);
    bar.setAttribute("aria-valuemax", String(max));
    bar.setAttribute("aria-valuenow", String(Math.min(finished, max)));
    bar.setAttribute("aria-valuetext", `${finished} of ${target} rows`);
    $("bar").style.width = `${(100 * Math.min(finished, max)) / max}%`;
    const counts = finished <= target
      ? `${done} of ${target} done${failed ? `, ${failed} failed` : ""}`
      : `${done} done${failed ? `, ${failed} failed` : ""} (more than the ${target} rows asked for)`;
    let text = counts;
    if (s.phase === "preparing") text = `${counts} · preparing the models…`;
    else if (s.phase === "stopping") text = `${counts} · stopping: finishing the rows in flight…`;
    else if (s.phase === "running") {
      const p = s.progress;
      text = !p ? `${counts} · starting the workers…` : `${counts} · ${p.itemsPerSecond.toFixed(2)} rows/s` +
        (p.etaSeconds === undefined ? "" : `, about ${Math.ceil(p.etaSeconds)} s left`);
    }
    setText($("progress-text"), s.output || !s.dataset ? text : "idle");

    const note = $("output-note");
    note.hidden = !s.outputNote;
    setText(note, s.outputNote);
    setText($("announce"), s.announce);
    const err = $("run-error");
    err.className = s.runError ? "error" : "";
    setText(err, s.runError ?? "");
    if (s.log !== prev.log || s === prev) {
      const el = $("log");
      el.textContent = s.log.join("\n");
      el.scrollTop = el.scrollHeight;
    }
    setText($("stored"), s.stored.count ? `Stored in this browser: ${s.stored.count} output(s), ${formatBytes(s.stored.bytes)}` : "Nothing stored in this browser yet");
    $("restore").hidden = !s.restoreOffer || !idle;
    if (s.restoreOffer) {
      setText($("restore-text"), `Results from your last visit are stored: ${finished} of ${target} rows of ${s.dataset?.label ?? "the dataset"}.`);
      $<HTMLButtonElement>("restore-continue").disabled = finished >= target;
    }
    setText($("runtime"), s.runtime);
    document.body.dataset.phase = s.phase;
    document.body.dataset.runs = String(s.runsEnded);
  });
}
