// The page's state, in one store (web/store.ts). Panels (web/panels/) render from it; web/run_control.ts and the
// panels' handlers change it.
import type { Progress } from "../core/types.ts";
import type { Dataset } from "./dataset.ts";
import type { OpenedOutput } from "./output_folder.ts";
import { loadSettings, type Settings } from "./settings.ts";
import { Store } from "./store.ts";

export type ModelKind = "t2s" | "s2a" | "vocos" | "codec";

export interface PageState {
  settings: Settings;
  /** Settings the user set (stored) rather than defaults: the page may pick the device only when not. */
  storedSettings: Set<keyof Settings>;
  dataset?: Dataset;
  datasetMessage: { text: string; error?: boolean };
  droppedFiles: Partial<Record<ModelKind, File>>;
  /** The output the current settings write to, its rows, and a version bumped on every row added. */
  output?: OpenedOutput;
  rowsVersion: number;
  /** Why the output changed ("seed 0 → 1: a new output"), or what is stored. */
  outputNote: string;
  texts: Map<number, string>;
  phase: "idle" | "preparing" | "running" | "stopping";
  /** Runs ended since the page loaded (the e2e test waits on it through body[data-runs]). */
  runsEnded: number;
  progress?: Progress;
  modelStatus?: { text: string; loaded?: number; total?: number; error?: boolean };
  runError?: string;
  /** For the polite live region: what just happened. */
  announce: string;
  stored: { count: number; bytes: number };
  /** Stored rows found on load for the current settings: offer Continue / Start fresh. */
  restoreOffer: boolean;
  runtime: string;
  log: string[];
}

const { settings, stored } = loadSettings();

export const store = new Store<PageState>({
  settings,
  storedSettings: stored,
  datasetMessage: { text: "" },
  droppedFiles: {},
  rowsVersion: 0,
  outputNote: "",
  texts: new Map(),
  phase: "idle",
  runsEnded: 0,
  announce: "",
  stored: { count: 0, bytes: 0 },
  restoreOffer: false,
  runtime: "checking WebGPU…",
  log: [],
});

export function log(message: string) {
  const line = `${new Date().toLocaleTimeString()}  ${message}`;
  store.update((s) => ({ log: [...s.log.slice(-499), line] }));
}

export function announce(message: string) {
  log(message);
  store.update({ announce: message });
}
