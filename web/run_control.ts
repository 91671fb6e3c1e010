// What the page does: pick the output the settings name, run (continue / retry failed), stop, start fresh, clear.
// "Rows" is the target total of the output: a run does only the rows still missing. The same core/ pipeline as
// the CLI writes the shards into OPFS; every finished row shows at once and is journaled until its shard lands.
import { resolveConfig } from "../core/config/load.ts";
import { configSchema, type RawConfig } from "../core/config/schema.ts";
import type { PipelineConfig } from "../core/config/types.ts";
import { describeError, InputError } from "../core/errors.ts";
import type { Logger } from "../core/log.ts";
import { runPipeline } from "../core/pipeline.ts";
import { codebooksOf } from "../core/sink/sidecar.ts";
import { schedule } from "../core/schedule/scheduler.ts";
import type { FinalOutcome, Schedule } from "../core/schedule/schedule_types.ts";
import type { SourceRow } from "../core/source/text_source.ts";
import { ROW_NUMBER } from "./dataset.ts";
import { storeDropped } from "./model_store.ts";
import { clearOutputs, type OpenedOutput, openOutput, readRows, storedOutputs } from "./output_folder.ts";
import { identityChanges, outputId, type OutputIdentity, outputIdentity } from "./output_identity.ts";
import { announce, log, type ModelKind, type PageState, store } from "./page_state.ts";
import { prepareModels } from "./prepare_models.ts";
import { createWebWorkerFactory } from "./worker_factory.ts";

export const HUB_MODELS = {
  t2s: "collabora/whisperspeech:t2s-v1.1-small-en+pl.model",
  s2a: "collabora/whisperspeech:s2a-q4-tiny-en+pl.model",
  vocos: "charactr/vocos-encodec-24khz",
  codec: "facebook/encodec_24khz",
};
export const DEMO_MODELS = { t2s: "demo:t2s", s2a: "demo:s2a", vocos: "demo:vocos", codec: "demo:encodec" };
const KINDS: ModelKind[] = ["t2s", "s2a", "vocos", "codec"];
const BANDWIDTH = 1.5;

export const pageLogger: Logger = {
  debug() {},
  // The pipeline's resume line speaks of CLI flags; the page says what it does in its own words instead.
  info: (m) => void (/^resuming:/.test(m) || log(m)),
  warn: (m) => log(`warning: ${m}`),
  error: (m) => log(`error: ${m}`),
};

/** The model refs the settings name, or why there are none (a dropped file missing). */
function modelRefs(s: PageState): typeof DEMO_MODELS | string {
  if (s.settings.models === "demo") return DEMO_MODELS;
  if (s.settings.models === "hub") return HUB_MODELS;
  const refs = { ...DEMO_MODELS };
  for (const kind of KINDS) {
    const f = s.droppedFiles[kind];
    if (!f) return `drop a ${kind === "codec" ? "EnCodec" : kind.toUpperCase()} checkpoint file, or choose the demo models`;
    refs[kind] = `dropped:${f.name}`;
  }
  return refs;
}

export function columnsOf(s: PageState) {
  return { text: s.settings.textColumn, index: s.settings.indexColumn || ROW_NUMBER };
}

function buildConfig(s: PageState, refs: typeof DEMO_MODELS, numSamples: number): PipelineConfig {
  const p = s.settings;
  const names = columnsOf(s);
  const raw = {
    dataset: { name: s.dataset!.label, text_column: names.text, index_column: names.index },
    processing: {
      devices: [p.device],
      num_procs_per_device: p.workers,
      save_dir: "browser storage",
      save_batch_size: p.saveBatch,
      batch_size: p.batch,
      max_retries: 2,
      speaker: p.speaker,
      lang: p.lang,
      cps: p.cps,
      temperature: p.temperature,
      seed: p.seed,
      format: p.format,
    },
    test: { num_samples: numSamples },
    models: refs,
  } as RawConfig;
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[issue.path.length - 1]);
    const message = issue.message
      .replace(/^Too small: expected number to be >0$/, "must be more than 0")
      .replace(/^Too small: expected number to be >=0$/, "must be 0 or more")
      .replace(/^Invalid input: expected int, received number$/, "must be a whole number");
    throw new InputError(`${FIELD_LABELS[key] ?? key}: ${message}`);
  }
  return resolveConfig(parsed.data, { test: true }, s.dataset!.label);
}

// Config keys in the page's words (a bad value is named as the field the user sees).
const FIELD_LABELS: Record<string, string> = {
  num_samples: "Rows",
  num_procs_per_device: "Workers",
  save_batch_size: "Save batch size",
  batch_size: "Batch size",
  speaker: "Speaker",
  lang: "Language",
  cps: "cps",
  temperature: "Temperature",
  seed: "Seed",
};

/** Done, failed and finished counts of the current output. */
export function countsOf(output: OpenedOutput | undefined) {
  let done = 0, failed = 0;
  for (const r of output?.rows.values() ?? []) r.tokens ? done++ : failed++;
  return { done, failed, finished: done + failed };
}

let choosing = 0;
/** The identity of the output last shown (kept while a bad value leaves no output), to say what changed. */
let lastShown: { id: string; identity: OutputIdentity } | undefined;
/** Opens the output the current settings name (a new one when the identity changed), saying what changed. */
export async function chooseOutput(options: { onLoad?: boolean; reopen?: boolean } = {}) {
  const s = store.state;
  if (!s.dataset || s.phase !== "idle") return;
  const token = ++choosing;
  const refs = modelRefs(s);
  if (!s.settings.textColumn || typeof refs === "string") {
    store.update({ output: undefined, outputNote: typeof refs === "string" ? refs : "", restoreOffer: false });
    return;
  }
  let identity;
  try {
    identity = outputIdentity(buildConfig(s, refs, s.settings.rows), s.dataset.identity);
  } catch (e) {
    store.update({ output: undefined, outputNote: describeError(e), restoreOffer: false });
    return;
  }
  const id = await outputId(identity);
  if (s.output?.id === id && !options.reopen) return;
  // Another tab running this output holds its lock: its journal is not ours to settle.
  const opened = await navigator.locks.request(`ichigo-output-${id}`, { ifAvailable: true }, (lock) => openOutput(id, identity, pageLogger, lock !== null));
  if (token !== choosing) return;
  const previous = lastShown;
  lastShown = { id, identity };
  let note = "";
  if (previous && previous.id !== id) {
    const changes = identityChanges(previous.identity, identity).join(", ");
    note = opened.rows.size > 0
      ? `${changes}: these settings have their own stored output (${opened.rows.size} rows); the earlier output stays stored.`
      : `${changes}: these settings start a fresh output; the earlier output stays stored.`;
  }
  const restoreOffer = options.onLoad === true && !previous && opened.rows.size > 0;
  store.update((st) => ({ output: opened, rowsVersion: st.rowsVersion + 1, outputNote: note, restoreOffer, announce: note }));
  if (opened.recovered > 0) announce(`${opened.recovered} row(s) finished before the page closed were saved to the output`);
  void fillTexts(opened);
  void refreshStored();
}

/** Texts of the output's rows, read from the dataset (for the results table). */
async function fillTexts(output: OpenedOutput) {
  const s = store.state;
  const missing = new Set([...output.rows.keys()].filter((i) => !s.texts.has(i)));
  if (missing.size === 0 || !s.dataset) return;
  try {
    const source = await s.dataset.open(columnsOf(s));
    for await (const row of source.read({ only: missing })) {
      s.texts.set(row.index, row.text);
      missing.delete(row.index);
      if (missing.size === 0) break;
    }
  } catch {
    return; // texts are only shown; the rows themselves are in the output
  }
  store.update((st) => ({ rowsVersion: st.rowsVersion + 1 }));
}

export async function refreshStored() {
  store.update({ stored: await storedOutputs() });
}

let controller: AbortController | undefined;

export function stop() {
  if (!controller) return;
  controller.abort();
  if (store.state.phase === "running") store.update({ phase: "stopping" });
}

/** Runs the rows still missing up to the target (or, `retry`, the failed rows again). */
export async function run(mode: "continue" | "retry") {
  if (controller || store.state.phase !== "idle") return; // a double click starts one run
  const ours = controller = new AbortController();
  const signal = ours.signal;
  await chooseOutput(); // the output must be the one the settings name right now
  const s = store.state;
  const output = s.output;
  const refs0 = modelRefs(s);
  const target = s.settings.rows;
  const { finished } = countsOf(output);
  const failedRows = [...output?.rows ?? []].filter(([, r]) => r.error).map(([i]) => i);
  const toGo = mode === "retry" ? failedRows.length : target - finished;
  // Test mode runs the first num_samples rows of the domain and resumes them (core/pipeline.ts): the target
  // itself when continuing; the failed rows (the domain, through remainingIndices) when retrying.
  const numSamples = mode === "retry" ? failedRows.length : target;
  let refusal: string | undefined;
  if (!s.dataset || !output || signal.aborted) refusal = "";
  else if (typeof refs0 === "string") refusal = refs0;
  else if (toGo <= 0) refusal = `All ${target} rows of this output are finished; raise Rows to do more.`;
  if (refusal !== undefined || !output || typeof refs0 === "string") {
    controller = undefined;
    if (refusal) announce(refusal);
    return;
  }
  store.update({ phase: "preparing", progress: undefined, runError: undefined, restoreOffer: false, modelStatus: { text: "preparing the models…" } });
  let held = false, preparing = true;
  try {
    await navigator.locks.request(`ichigo-output-${output.id}`, { ifAvailable: true }, async (lock) => {
      if (!lock) throw new InputError("another tab of this page is running this output: stop it there, or change a setting");
      held = true;
      const refs = { ...refs0 };
      for (const kind of KINDS) {
        const f = s.droppedFiles[kind];
        if (s.settings.models === "dropped" && f) refs[kind] = await storeDropped(f.name, new Uint8Array(await f.arrayBuffer()));
      }
      await prepareModels(refs, BANDWIDTH, (status) => store.update({ modelStatus: status }), signal);
      preparing = false;
      store.update({ phase: signal.aborted ? "stopping" : "running", modelStatus: { text: "models ready" } });
      announce(
        mode === "retry"
          ? `retrying ${toGo} failed row(s)`
          : finished > 0
          ? `continuing: ${finished} of ${target} rows finished, ${toGo} to go`
          : `running ${toGo} row(s)`,
      );
      const config = buildConfig(s, refs, numSamples);
      const source = await s.dataset!.open(columnsOf(s));
      const factory = createWebWorkerFactory(
        { models: refs, bandwidth: BANDWIDTH, extra: {} },
        (id, description) => log(`worker ${id}: ${description}`),
        (m) => log(m),
      );
      const summary = await runPipeline(config, {
        source,
        storage: output.storage,
        factory,
        logger: pageLogger,
        signal,
        retryFailed: mode === "retry",
        remainingIndices: mode === "retry" ? failedRows : undefined,
        schedule: showing(output, s.texts),
        identity: output.identity,
        onProgress: (progress) => store.update({ progress }),
      });
      announce(summary.aborted
        ? `stopped: ${summary.done + summary.failed} row(s) of this run are kept; Continue does the rest`
        : `finished: ${summary.done} done, ${summary.failed} failed`);
    });
  } catch (e) {
    if ((e as Error).name === "AbortError") announce("stopped before the models were ready; nothing was run");
    else {
      // A failure while preparing is the models' (shown in their panel); any other is the run's.
      const models = preparing && held;
      store.update({ runError: describeError(e), ...(models ? { modelStatus: { text: describeError(e), error: true } } : {}) });
      log(`error: ${describeError(e)}`);
    }
  } finally {
    controller = undefined;
    if (held) {
      await navigator.locks.request(`ichigo-output-${output.id}`, async () => {
        const { output: layout, generation } = output.identity;
        await output.journal.settle(output.storage, layout.format as "csv" | "parquet", codebooksOf(generation.bandwidth), pageLogger);
        output.rows = await readRows(output.storage);
      }).catch((e) => log(`error: the stored output could not be re-read (${describeError(e)}); reload the page`));
    }
    store.update((st) => ({ phase: "idle", rowsVersion: st.rowsVersion + 1, runsEnded: st.runsEnded + 1 }));
    void refreshStored();
    await chooseOutput(); // settings changed during the run apply now
  }
}

/** The scheduler, tapped: each finished row is journaled, then shown, before its shard is written. */
function showing(output: OpenedOutput, texts: Map<number, string>): Schedule {
  return (rows, options) => {
    async function* withTexts(): AsyncIterable<SourceRow> {
      for await (const row of rows) {
        texts.set(row.index, row.text);
        yield row;
      }
    }
    async function* tapped(): AsyncIterable<FinalOutcome> {
      for await (const outcome of schedule(withTexts(), options)) {
        // Stored before shown: a row on screen survives a reload.
        await output.journal.add(outcome, texts.get(outcome.item.index) ?? "");
        output.rows.set(outcome.item.index, outcome.kind === "done" ? { tokens: outcome.item.tokens } : { error: outcome.item.error });
        store.update((st) => ({ rowsVersion: st.rowsVersion + 1 }));
        yield outcome;
      }
    }
    return tapped();
  };
}

/** Deletes the current output's stored rows (the user asked for a fresh start with the same settings). */
export async function startFresh() {
  const output = store.state.output;
  if (!output || store.state.phase !== "idle") return;
  await clearOutputs(output.id);
  store.update({ restoreOffer: false });
  await chooseOutput({ reopen: true });
  announce("started fresh: the stored rows of these settings were deleted");
}

export async function clearStored() {
  if (store.state.phase !== "idle") return;
  await clearOutputs();
  lastShown = undefined;
  store.update({ output: undefined, restoreOffer: false, outputNote: "" });
  await chooseOutput({ reopen: true });
  announce("all stored results were deleted");
}
