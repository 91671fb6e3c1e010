// The page's settings, kept in localStorage so a reload keeps them. Unknown or wrongly typed stored values fall
// back to the defaults one by one (a hand-edited or older entry never breaks the page).
export interface Settings {
  /** The target total of rows for this output (not "this many more"). */
  rows: number;
  device: "webgpu" | "wasm";
  speaker: string;
  lang: string;
  cps: number;
  temperature: number;
  seed: number;
  batch: number;
  workers: number;
  saveBatch: number;
  format: "csv" | "parquet";
  models: "demo" | "hub" | "dropped";
  hubName: string;
  hubSplit: string;
  textColumn: string;
  indexColumn: string;
}

export const DEFAULT_SETTINGS: Settings = {
  rows: 10,
  device: "wasm",
  speaker: "default",
  lang: "en",
  cps: 15,
  temperature: 0.7,
  seed: 0,
  batch: 4,
  workers: 1,
  saveBatch: 25,
  format: "csv",
  models: "demo",
  hubName: "",
  hubSplit: "train",
  textColumn: "",
  indexColumn: "",
};

const KEY = "ichigo-tts-tokens.settings";
const CHOICES: Partial<Record<keyof Settings, readonly string[]>> = {
  device: ["webgpu", "wasm"],
  format: ["csv", "parquet"],
  models: ["demo", "hub", "dropped"],
};

/** The stored settings over the defaults; `stored` says whether the user ever saved any. */
export function loadSettings(): { settings: Settings; stored: Set<keyof Settings> } {
  const settings = { ...DEFAULT_SETTINGS };
  const stored = new Set<keyof Settings>();
  let raw: Record<string, unknown> = {};
  try {
    raw = JSON.parse(localStorage.getItem(KEY) ?? "{}") ?? {};
  } catch {
    // unreadable: defaults
  }
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[]) {
    const v = raw[key];
    const d = DEFAULT_SETTINGS[key];
    const ok = typeof v === typeof d && (typeof v !== "number" || Number.isFinite(v)) &&
      (!CHOICES[key] || CHOICES[key]!.includes(v as string));
    if (ok) {
      (settings as Record<string, unknown>)[key] = v;
      stored.add(key);
    }
  }
  return { settings, stored };
}

export function saveSettings(settings: Settings) {
  try {
    localStorage.setItem(KEY, JSON.stringify(settings));
  } catch {
    // storage full or disabled: settings then last for this visit only
  }
}
