// A WhisperSpeech `.model` file (torch.save of {config, tunables, state_dict}) -> sizes, tunables with
// upstream's defaults and upgrades, and float32 weights by name. T2S = TSARTransformer, S2A = SADelARTransformer.
import { ModelError } from "../../core/errors.ts";
import { toFloat32 } from "../checkpoint/load_checkpoint.ts";
import type { Checkpoint } from "../checkpoint/types.ts";
import type { WhisperSpeechDims } from "./contract.ts";
import { LANGUAGE_CODES } from "./languages.ts";

export interface Weights {
  get(name: string): { data: Float32Array; shape: number[] };
  has(name: string): boolean;
}

export interface T2sSpec {
  kind: "t2s";
  dims: WhisperSpeechDims;
  encoderDepth: number;
  /** sqrt(qk_scale) folded into q and k. */
  sqrtQkScale: number;
  /** output_mult / (width / base_width). */
  logitScale: number;
  causalEncoder: boolean;
  cpsInput: boolean;
  /** The token T2S starts from and ends on: stoks_codes + padding_token_offset (512 for released models). */
  startToken: number;
  weights: Weights;
}

export interface S2aSpec {
  kind: "s2a";
  dims: WhisperSpeechDims;
  encoderDepth: number;
  sqrtQkScale: number;
  logitScale: number;
  causalEncoder: boolean;
  weights: Weights;
}

const PREFIX = "state_dict.";

function weightsOf(ck: Checkpoint, label: string): Weights {
  const cache = new Map<string, { data: Float32Array; shape: number[] }>();
  return {
    has: (name) => ck.tensors.has(PREFIX + name),
    get(name) {
      let w = cache.get(name);
      if (!w) {
        const t = ck.tensors.get(PREFIX + name);
        if (!t) throw new ModelError(`${label}: missing tensor ${name}`);
        w = { data: toFloat32(t, `${label}: ${name}`), shape: t.shape };
        cache.set(name, w);
      }
      return w;
    },
  };
}

function section(ck: Checkpoint, key: string, label: string): Record<string, unknown> {
  const v = ck.meta[key];
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new ModelError(`${label}: not a WhisperSpeech model file (no "${key}" section)`);
  return v as Record<string, unknown>;
}

function num(o: Record<string, unknown>, key: string, fallback: number | undefined, label: string): number {
  const v = o[key] ?? fallback;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new ModelError(`${label}: ${key} = ${JSON.stringify(v)} is not a number`);
  return v;
}

function bool(o: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const v = o[key];
  return v === undefined || v === null ? fallback : Boolean(v);
}

/** The graphs, the rotary tables and the loop's contract assume 64-wide heads (every released model). */
function checkHeadWidth(headWidth: number, label: string) {
  if (headWidth !== 64) throw new ModelError(`${label}: config.head_width = ${headWidth} is not supported (expected 64)`);
}

function rows(w: Weights, name: string): number {
  return w.get(name).shape[0];
}

export function whisperSpeechKind(ck: Checkpoint): "t2s" | "s2a" | undefined {
  if (!ck.meta.config || !ck.meta.tunables) return undefined;
  const names = [...ck.tensors.keys()];
  if (names.some((n) => n.startsWith(`${PREFIX}embds.embeddings.`))) return "s2a";
  if (names.some((n) => n.startsWith(`${PREFIX}embeddings.embedding.main.`))) return "t2s";
  return undefined;
}

export function readT2sSpec(ck: Checkpoint, label: string): T2sSpec {
  const config = section(ck, "config", label), raw = section(ck, "tunables", label);
  // Tunables.upgrade: checkpoints saved before padding_token_offset existed started from stoks_codes - 1.
  const tunables = { padding_token_offset: -1, ...raw };
  const depth = num(config, "depth", 6, label), heads = num(config, "n_head", 6, label);
  const headWidth = num(config, "head_width", 64, label);
  const width = heads * headWidth;
  const ratio = num(tunables, "encoder_depth_ratio", 0.25, label);
  const encoderDepth = Math.trunc(depth * 2 * ratio);
  const stoksCodes = num(config, "stoks_codes", 1024, label);
  const queryMult = num(tunables, "query_mult", 1, label), outputMult = num(tunables, "output_mult", 0.35, label);
  const start = stoksCodes + num(tunables, "padding_token_offset", -1, label);
  const weights = weightsOf(ck, label);
  checkHeadWidth(headWidth, label);
  const ttoksLen = num(config, "ttoks_len", 200, label), stoksLen = num(config, "stoks_len", 1500, label);
  if (rows(weights, "embeddings.positional_embedding") !== stoksLen) throw new ModelError(`${label}: positional table does not match stoks_len ${stoksLen}`);
  if (rows(weights, "encoder.positional_embedding") !== ttoksLen) throw new ModelError(`${label}: encoder positional table does not match ttoks_len ${ttoksLen}`);
  // The loop computes cps_bin = min(31, trunc(cps/20*32)) (contract.ts), so the table must have 32 rows.
  if (bool(tunables, "cps_input", true) && rows(weights, "cps_embeddings.weight") !== 32) {
    throw new ModelError(`${label}: tunables.cps_bins = ${rows(weights, "cps_embeddings.weight")} is not supported (expected 32)`);
  }
  const langs = weights.get("lang_embeddings.weight").shape[0];
  return {
    kind: "t2s",
    dims: {
      kind: "t2s",
      numEncoderLayers: encoderDepth,
      numDecoderLayers: depth * 2 - encoderDepth,
      numHeads: heads,
      headDim: headWidth,
      hiddenSize: width,
      vocab: stoksCodes + 1,
      encoderLen: ttoksLen,
      maxPositions: stoksLen,
      startToken: start,
      eosToken: start,
      languages: LANGUAGE_CODES.slice(0, langs),
    },
    encoderDepth,
    sqrtQkScale: Math.sqrt(queryMult * 8 / Math.sqrt(headWidth)),
    logitScale: outputMult / (width / (3 * headWidth)),
    causalEncoder: bool(tunables, "causal_encoder", true),
    cpsInput: bool(tunables, "cps_input", true),
    startToken: start,
    weights,
  };
}

export function readS2aSpec(ck: Checkpoint, label: string): S2aSpec {
  const config = section(ck, "config", label), raw = section(ck, "tunables", label);
  // Tunables.upgrade defaults for checkpoints saved before these tunables existed.
  const tunables = { rope: false, linear_heads: true, causal_encoder: false, force_hidden_to_emb: true, ...raw };
  if ([...ck.tensors.keys()].some((n) => n.startsWith(`${PREFIX}cond_embeddings.`))) {
    throw new ModelError(`${label}: the conditioned S2A variant (cond_embeddings) is not supported`);
  }
  if (!tunables.rope) throw new ModelError(`${label}: S2A checkpoints without RoPE (saved before 2024) are not supported`);
  const depth = num(config, "depth", 3, label), heads = num(config, "n_head", 3, label);
  const headWidth = num(config, "head_width", 64, label);
  const width = heads * headWidth;
  const encoderDepth = Math.trunc(depth * 2 * num(tunables, "encoder_depth_ratio", 0.25, label));
  const quantizers = num(config, "quantizers", 8, label);
  const stoksLen = num(config, "stoks_len", 750, label);
  if (stoksLen !== 750) throw new ModelError(`${label}: stoks_len ${stoksLen} (50 Hz semantic tokens) is not supported; expected 750`);
  const queryMult = num(tunables, "query_mult", 0.3, label), outputMult = num(tunables, "output_mult", 5.6, label);
  const weights = weightsOf(ck, label);
  checkHeadWidth(headWidth, label);
  // The loop pads semantic tokens with 512 and feeds 192-d speaker vectors (contract.ts).
  if (rows(weights, "semantic_embedding.weight") !== 513) {
    throw new ModelError(`${label}: config.stoks_codes = ${rows(weights, "semantic_embedding.weight")} is not supported (expected 513: 512 codes + padding)`);
  }
  const spk = weights.has("spk_to_hidden.weight") ? weights.get("spk_to_hidden.weight").shape[1] : width;
  if (spk !== 192) throw new ModelError(`${label}: speaker width ${spk} (config.spk_width) is not supported (expected 192)`);
  return {
    kind: "s2a",
    dims: {
      kind: "s2a",
      numEncoderLayers: encoderDepth,
      numDecoderLayers: depth * 2 - encoderDepth,
      numHeads: heads,
      headDim: headWidth,
      hiddenSize: width,
      vocab: 1026,
      encoderLen: stoksLen,
      maxPositions: num(config, "ctx_n", 2250, label),
      quantizers,
      startToken: 1025,
      eosToken: 1024,
    },
    encoderDepth,
    sqrtQkScale: Math.sqrt(queryMult * 8 / Math.sqrt(headWidth)),
    logitScale: outputMult / (width / (3 * headWidth)),
    causalEncoder: bool(tunables, "causal_encoder", false),
    weights,
  };
}
