// WhisperSpeech as the pipeline's TtsEngine: text -> pieces -> T2S (batched) -> S2A (batched) -> Vocos (per
// piece, it is not causal) -> one waveform per row. Per-row failures do not fail the batch.
import type { TtsEngine, TtsOptions, TtsRequest, TtsResult } from "../../core/worker/tts_engine.ts";
import { InputError } from "../../core/errors.ts";
import { type Atoks, generateS2A, type S2aModel } from "./generate_s2a.ts";
import { generateT2S, type T2sModel } from "./generate_t2s.ts";
import { languageId } from "./languages.ts";
import { SPEAKER_PRESETS, speakerVector } from "./speakers.ts";
import { cpsBin, splitText, textSlots } from "./text.ts";

/** Codes [Q, T] (q-major) -> 24 kHz PCM; implemented by models/vocos. */
export interface CodesToWave {
  readonly sampleRate: number;
  decode(codes: Int32Array, quantizers: number, frames: number): Promise<Float32Array>;
  dispose?(): Promise<void>;
}

export interface WhisperSpeechModels {
  t2s: T2sModel;
  s2a: S2aModel;
  vocoder: CodesToWave;
}

/** Everything made for one piece of one row (what `speak --dump` writes). */
export interface PieceTrace {
  text: string;
  stoks: Int32Array;
  atoks: Atoks;
  pcm: Float32Array;
}

export type DetailedResult =
  | { index: number; ok: true; pieces: PieceTrace[]; pcm: Float32Array }
  | { index: number; ok: false; error: Error };

export const DEFAULTS = { lang: "en", cps: 15, temperature: 0.7, seed: 0, longText: "split" as const, maxBatch: 16 };

export class WhisperSpeechTts implements TtsEngine {
  readonly sampleRate: number;

  constructor(
    readonly models: WhisperSpeechModels,
    readonly maxBatch = DEFAULTS.maxBatch,
    /** Turns a speaker that is not a preset (e.g. a file path) into a vector; runtime-specific. */
    readonly resolveSpeaker?: (name: string) => Float32Array | undefined,
    /** Semantic tokens a piece may have (the demo models' length rule); none = the model's own limit. */
    readonly maxSemanticTokens?: (text: string, cps: number) => number,
  ) {
    this.sampleRate = models.vocoder.sampleRate;
  }

  async synthesize(requests: TtsRequest[], options: TtsOptions): Promise<TtsResult[]> {
    return (await this.synthesizeDetailed(requests, options)).map((r) =>
      r.ok ? { index: r.index, ok: true, pcm: r.pcm, sampleRate: this.sampleRate, pieces: r.pieces.length } : r
    );
  }

  async synthesizeDetailed(requests: TtsRequest[], options: TtsOptions, onStep?: (stage: "t2s" | "s2a") => void): Promise<DetailedResult[]> {
    const o = { ...DEFAULTS, ...withoutUndefined(options) };
    const sampling = { temperature: o.temperature, topK: o.topK, batchSize: Math.max(1, Math.min(this.maxBatch, 64)) };
    const failed = new Map<number, Error>();
    let language = 0;
    let speaker: Float32Array;
    try {
      language = languageId(o.lang);
      const custom = typeof o.speaker === "string" && !SPEAKER_PRESETS.includes(o.speaker) ? this.resolveSpeaker?.(o.speaker) : undefined;
      speaker = speakerVector(custom ?? o.speaker);
    } catch (e) {
      return requests.map((r) => ({ index: r.index, ok: false, error: e as Error }));
    }
    const bin = cpsBin(o.cps);
    // Every piece of every row, in order.
    const pieces: { row: number; piece: number; text: string }[] = [];
    requests.forEach((r, row) => {
      try {
        splitText(r.text, o.longText, o.cps, `row ${r.index}`).forEach((text, piece) => pieces.push({ row, piece, text }));
      } catch (e) {
        failed.set(row, e instanceof Error ? e : new InputError(String(e)));
      }
    });
    const stoks = await generateT2S(
      this.models.t2s,
      pieces.map((p) => ({
        text: textSlots(p.text),
        language,
        cpsBin: bin,
        seed: o.seed,
        item: requests[p.row].index,
        piece: p.piece,
        attempt: requests[p.row].attempt,
        maxTokens: this.maxSemanticTokens?.(p.text, o.cps),
      })),
      { ...sampling, onStep: () => onStep?.("t2s") },
    );
    const s2aAt: number[] = [];
    stoks.forEach((s, i) => {
      if (s instanceof Error) failed.set(pieces[i].row, failed.get(pieces[i].row) ?? s);
      else if (!failed.has(pieces[i].row)) s2aAt.push(i);
    });
    const atoks = await generateS2A(
      this.models.s2a,
      s2aAt.map((i) => ({ stoks: stoks[i] as Int32Array, speaker, seed: o.seed, item: requests[pieces[i].row].index, piece: pieces[i].piece, attempt: requests[pieces[i].row].attempt })),
      { ...sampling, onStep: () => onStep?.("s2a") },
    );
    const traces = new Map<number, PieceTrace[]>();
    for (const [k, i] of s2aAt.entries()) {
      const p = pieces[i], a = atoks[k];
      if (failed.has(p.row)) continue;
      if (a instanceof Error) {
        failed.set(p.row, a);
        continue;
      }
      try {
        const pcm = await this.models.vocoder.decode(a.codes, a.quantizers, a.frames);
        traces.set(p.row, [...(traces.get(p.row) ?? []), { text: p.text, stoks: stoks[i] as Int32Array, atoks: a, pcm }]);
      } catch (e) {
        failed.set(p.row, e as Error);
      }
    }
    return requests.map((r, row) => {
      const error = failed.get(row);
      if (error) return { index: r.index, ok: false, error };
      const parts = traces.get(row) ?? [];
      return { index: r.index, ok: true, pieces: parts, pcm: concat(parts.map((t) => t.pcm)) };
    });
  }

  async dispose(): Promise<void> {
    await Promise.all([
      this.models.t2s.encoder.release(),
      this.models.t2s.decoder.release(),
      this.models.s2a.encoder.release(),
      this.models.s2a.decoder.release(),
      this.models.vocoder.dispose?.(),
    ]);
  }
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function concat(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0];
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
