// 2 · Models: demo, Hub or dropped checkpoints, and what preparing them is doing right now. Not a modal: the
// rest of the page (Stop above all) stays usable while models download and convert.
import { type ModelKind, store } from "../page_state.ts";
import { chooseOutput } from "../run_control.ts";
import { saveSettings, type Settings } from "../settings.ts";
import { $, formatBytes, setText } from "./dom.ts";

const KINDS: ModelKind[] = ["t2s", "s2a", "vocos", "codec"];

export function modelsPanel() {
  const radios = [...document.querySelectorAll<HTMLInputElement>('input[name="models"]')];
  for (const r of radios) {
    r.addEventListener("change", () => {
      const settings = { ...store.state.settings, models: r.value as Settings["models"] };
      saveSettings(settings);
      store.update({ settings });
      void chooseOutput();
    });
  }
  for (const kind of KINDS) {
    const input = $<HTMLInputElement>(`drop-${kind}`);
    input.addEventListener("change", () => {
      store.update((s) => ({ droppedFiles: { ...s.droppedFiles, [kind]: input.files?.[0] } }));
      void chooseOutput();
    });
  }
  store.subscribe((s) => {
    for (const r of radios) {
      r.checked = r.value === s.settings.models;
      r.disabled = s.phase !== "idle";
    }
    $("dropped-files").hidden = s.settings.models !== "dropped";
    const m = s.modelStatus;
    $("model-status").hidden = !m;
    if (!m) return;
    const text = m.loaded === undefined ? m.text : `${m.text}: ${formatBytes(m.loaded)}${m.total ? ` of ${formatBytes(m.total)}` : ""}`;
    setText($("model-status-text"), text);
    $("model-status").classList.toggle("error", m.error === true);
    const box = $("model-bar-box");
    box.hidden = !m.total;
    if (m.total) {
      const pct = Math.round((100 * (m.loaded ?? 0)) / m.total);
      box.setAttribute("aria-valuenow", String(pct));
      $("model-bar").style.width = `${pct}%`;
    }
  });
}
