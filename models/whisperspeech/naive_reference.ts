// A second, naive implementation of WhisperSpeech's T2S and S2A forward passes in plain TypeScript: whole
// sequences, no KV cache, no folded constants, loops written straight from upstream's modules. Used only to
// prove the ONNX graphs right (tests); far too slow for real use.
import type { S2aSpec, T2sSpec, Weights } from "./checkpoint_spec.ts";
import { erf } from "../math/erf.ts";

type Mat = { data: Float32Array; rows: number; cols: number };

function linear(x: Mat, w: Weights, name: string, bias = true): Mat {
  const W = w.get(`${name}.weight`);
  const [out, inp] = W.shape;
  const b = bias && w.has(`${name}.bias`) ? w.get(`${name}.bias`).data : undefined;
  const y = new Float32Array(x.rows * out);
  for (let r = 0; r < x.rows; r++) {
    for (let o = 0; o < out; o++) {
      let acc = b ? b[o] : 0;
      for (let i = 0; i < inp; i++) acc += x.data[r * inp + i] * W.data[o * inp + i];
      y[r * out + o] = acc;
    }
  }
  return { data: y, rows: x.rows, cols: out };
}

function layerNorm(x: Mat, w: Weights, name: string): Mat {
  const g = w.get(`${name}.weight`).data, b = w.get(`${name}.bias`).data;
  const y = new Float32Array(x.data.length);
  for (let r = 0; r < x.rows; r++) {
    let mean = 0, vr = 0;
    for (let i = 0; i < x.cols; i++) mean += x.data[r * x.cols + i];
    mean /= x.cols;
    for (let i = 0; i < x.cols; i++) vr += (x.data[r * x.cols + i] - mean) ** 2;
    const inv = 1 / Math.sqrt(vr / x.cols + 1e-5);
    for (let i = 0; i < x.cols; i++) y[r * x.cols + i] = (x.data[r * x.cols + i] - mean) * inv * g[i] + b[i];
  }
  return { data: y, rows: x.rows, cols: x.cols };
}


const gelu = (x: Mat): Mat => ({ ...x, data: x.data.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))) });
const add = (a: Mat, b: Mat): Mat => ({ ...a, data: a.data.map((v, i) => v + b.data[i]) });
const scale = (a: Mat, s: number): Mat => ({ ...a, data: a.data.map((v) => v * s) });

/** RoPE on one head's rows: x[r] rotated by angle positions[r] * inv_freq (torch's float32 table). */
function rope(x: Mat, heads: number, positions: number[], w: Weights, name: string | undefined): Mat {
  const inv = name && w.has(name) ? w.get(name).data : Float32Array.from({ length: 32 }, (_, i) => 1 / 10000 ** ((2 * i) / 64));
  const y = new Float32Array(x.data.length);
  for (let r = 0; r < x.rows; r++) {
    for (let h = 0; h < heads; h++) {
      const o = r * x.cols + h * 64;
      for (let i = 0; i < 32; i++) {
        const a = Math.fround(positions[r] * inv[i]), c = Math.cos(a), s = Math.sin(a);
        const x1 = x.data[o + i], x2 = x.data[o + 32 + i];
        y[o + i] = x1 * c - x2 * s;
        y[o + 32 + i] = x2 * c + x1 * s;
      }
    }
  }
  return { data: y, rows: x.rows, cols: x.cols };
}

interface AttnOptions {
  heads: number;
  qkScale: number;
  causal: boolean;
  rope?: { q: number[]; k: number[]; invFreq?: string };
}

/** MultiHeadAttention.forward: q, k scaled by sqrt(qk_scale), SDPA (1/sqrt(64)), optional causal mask. */
function attention(qx: Mat, kvx: Mat, w: Weights, name: string, o: AttnOptions): Mat {
  const s = Math.sqrt(o.qkScale);
  let q = scale(linear(qx, w, `${name}.query`), s), k = scale(linear(kvx, w, `${name}.key`, false), s);
  const v = linear(kvx, w, `${name}.value`);
  if (o.rope) {
    q = rope(q, o.heads, o.rope.q, w, o.rope.invFreq);
    k = rope(k, o.heads, o.rope.k, w, o.rope.invFreq);
  }
  const D = q.cols, out = new Float32Array(qx.rows * D);
  const scores = new Float64Array(kvx.rows);
  for (let h = 0; h < o.heads; h++) {
    for (let i = 0; i < qx.rows; i++) {
      let max = -Infinity;
      const n = o.causal ? i + 1 : kvx.rows;
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let d = 0; d < 64; d++) acc += q.data[i * D + h * 64 + d] * k.data[j * D + h * 64 + d];
        scores[j] = acc / 8;
        if (scores[j] > max) max = scores[j];
      }
      let z = 0;
      for (let j = 0; j < n; j++) z += scores[j] = Math.exp(scores[j] - max);
      for (let d = 0; d < 64; d++) {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += scores[j] * v.data[j * D + h * 64 + d];
        out[i * D + h * 64 + d] = acc / z;
      }
    }
  }
  return linear({ data: out, rows: qx.rows, cols: D }, w, `${name}.out`);
}

/** ResidualAttentionBlock.forward. */
function block(x: Mat, w: Weights, name: string, self: AttnOptions, cross?: { xa: Mat; o: AttnOptions }): Mat {
  const ln = layerNorm(x, w, `${name}.attn_ln`);
  x = add(x, attention(ln, ln, w, `${name}.attn`, self));
  if (cross) x = add(x, attention(layerNorm(x, w, `${name}.cross_attn_ln`), cross.xa, w, `${name}.cross_attn`, cross.o));
  const h = linear(gelu(linear(layerNorm(x, w, `${name}.mlp_ln`), w, `${name}.mlp.0`)), w, `${name}.mlp.2`);
  return add(x, h);
}

function rowsOf(table: { data: Float32Array; shape: number[] }, ids: ArrayLike<number>): Mat {
  const cols = table.shape[1], out = new Float32Array(ids.length * cols);
  for (let r = 0; r < ids.length; r++) out.set(table.data.subarray(ids[r] * cols, (ids[r] + 1) * cols), r * cols);
  return { data: out, rows: ids.length, cols };
}

/** FlexEmbeddings.forward. */
function flexEmbed(w: Weights, prefix: string, toks: ArrayLike<number>, special: string | undefined): Mat {
  const main = w.get(`${prefix}.main.weight`), codes = main.shape[0];
  let e = rowsOf(main, Array.from(toks, (t) => (t >= codes ? 0 : t)));
  if (w.has(`${prefix}.emb_to_hidden.weight`)) e = linear(e, w, `${prefix}.emb_to_hidden`);
  if (special) {
    const sp = w.get(special);
    Array.from(toks).forEach((t, r) => {
      if (t >= codes) e.data.set(sp.data.subarray((t - codes) * e.cols, (t - codes + 1) * e.cols), r * e.cols);
    });
  }
  return e;
}

/** FlexEmbeddings.unembed. */
function flexUnembed(x: Mat, w: Weights, prefix: string, special: string | undefined): Mat {
  const e = w.has(`${prefix}.hidden_to_emb.weight`) ? linear(x, w, `${prefix}.hidden_to_emb`) : x;
  const main = w.get(`${prefix}.main.weight`), codes = main.shape[0];
  const sp = special ? w.get(special) : undefined, ns = sp ? sp.shape[0] : 0;
  const out = new Float32Array(x.rows * (codes + ns));
  for (let r = 0; r < x.rows; r++) {
    for (let c = 0; c < codes; c++) {
      let acc = 0;
      for (let i = 0; i < e.cols; i++) acc += e.data[r * e.cols + i] * main.data[c * e.cols + i];
      out[r * (codes + ns) + c] = acc;
    }
    for (let s = 0; s < ns; s++) {
      let acc = 0;
      for (let i = 0; i < x.cols; i++) acc += x.data[r * x.cols + i] * sp!.data[s * x.cols + i];
      out[r * (codes + ns) + codes + s] = acc;
    }
  }
  return { data: out, rows: x.rows, cols: codes + ns };
}

const qkScaleOf = (sqrtQk: number) => sqrtQk * sqrtQk;

export function t2sEncode(spec: T2sSpec, text: Int32Array, language: number): Mat {
  const w = spec.weights, L = spec.dims.encoderLen;
  let x = flexEmbed(w, "encoder.embedding", text, undefined);
  const lang = w.get("lang_embeddings.weight"), pos = w.get("encoder.positional_embedding");
  for (let r = 0; r < L; r++) {
    for (let i = 0; i < x.cols; i++) x.data[r * x.cols + i] += lang.data[language * x.cols + i] + pos.data[r * x.cols + i];
  }
  const o = { heads: spec.dims.numHeads, qkScale: qkScaleOf(spec.sqrtQkScale), causal: spec.causalEncoder };
  for (let i = 0; i < spec.encoderDepth; i++) x = block(x, w, `encoder.layers.${i}`, o);
  return layerNorm(x, w, "encoder.ln_post");
}

/** Logits (scaled, 514) at every position of `tokens` (tokens[0] = start token at position 0). */
export function t2sLogits(spec: T2sSpec, xenc: Mat, tokens: number[], cpsBin: number): Mat {
  const w = spec.weights;
  let x = flexEmbed(w, "embeddings.embedding", tokens, "embeddings.embedding.special.weight");
  const pos = w.get("embeddings.positional_embedding"), cps = w.get("cps_embeddings.weight");
  for (let r = 0; r < tokens.length; r++) {
    for (let i = 0; i < x.cols; i++) x.data[r * x.cols + i] += pos.data[r * x.cols + i] + (spec.cpsInput ? cps.data[cpsBin * x.cols + i] : 0);
  }
  const o = { heads: spec.dims.numHeads, qkScale: qkScaleOf(spec.sqrtQkScale), causal: true };
  for (let i = 0; i < spec.dims.numDecoderLayers; i++) {
    x = block(x, w, `decoder.layers.${i}`, o, { xa: xenc, o: { ...o, causal: false } });
  }
  x = layerNorm(x, w, "decoder.ln_post");
  return scale(flexUnembed(x, w, "embeddings.embedding", "embeddings.embedding.special.weight"), spec.logitScale);
}

export function s2aEncode(spec: S2aSpec, stoks: Int32Array, speaker: Float32Array): Mat {
  const w = spec.weights, L = spec.dims.encoderLen;
  let x = rowsOf(w.get("semantic_embedding.weight"), stoks);
  if (w.has("emb_to_hidden.weight")) x = linear(x, w, "emb_to_hidden");
  const positions = Array.from({ length: L }, (_, i) => i);
  for (let i = 0; i < spec.encoderDepth; i++) {
    const o = { heads: spec.dims.numHeads, qkScale: qkScaleOf(spec.sqrtQkScale), causal: spec.causalEncoder, rope: { q: positions, k: positions, invFreq: `encoder.${i}.attn.rotary.inv_freq` } };
    x = block(x, w, `encoder.${i}`, o);
  }
  x = layerNorm(x, w, "ln_post");
  const norm = Math.max(Math.sqrt(speaker.reduce((a, v) => a + v * v, 0)), 1e-12);
  let spk: Mat = { data: speaker.map((v) => v / norm), rows: 1, cols: speaker.length };
  if (w.has("spk_to_hidden.weight")) spk = linear(spk, w, "spk_to_hidden");
  for (let r = 0; r < L; r++) for (let i = 0; i < x.cols; i++) x.data[r * x.cols + i] += spk.data[i];
  return x;
}

/** Logits [Q][positions][1026] (scaled) for grid columns 0..n-1 (`columns[q][p]`), positions 0..n-1. */
export function s2aLogits(spec: S2aSpec, xenc: Mat, columns: number[][]): Float32Array[][] {
  const w = spec.weights, Q = spec.dims.quantizers ?? 4, n = columns[0].length;
  let x: Mat = { data: new Float32Array(n * spec.dims.hiddenSize), rows: n, cols: spec.dims.hiddenSize };
  for (let q = 0; q < Q; q++) x = add(x, flexEmbed(w, `embds.embeddings.${q}`, columns[q], `embds.embeddings.${q}.special.weight`));
  const positions = Array.from({ length: n }, (_, i) => i), encPositions = Array.from({ length: xenc.rows }, (_, j) => 3 * j);
  for (let i = 0; i < spec.dims.numDecoderLayers; i++) {
    const base = { heads: spec.dims.numHeads, qkScale: qkScaleOf(spec.sqrtQkScale) };
    x = block(x, w, `decoder.layers.${i}`, { ...base, causal: true, rope: { q: positions, k: positions, invFreq: `decoder.layers.${i}.attn.rotary.inv_freq` } }, {
      xa: xenc,
      o: { ...base, causal: false, rope: { q: positions, k: encPositions, invFreq: `decoder.layers.${i}.cross_attn.rotary.inv_freq` } },
    });
  }
  x = layerNorm(x, w, "decoder.ln_post");
  const split = gelu(linear(x, w, "head.splitter.0"));
  const D = spec.dims.hiddenSize;
  return Array.from({ length: Q }, (_, q) => {
    const part: Mat = { data: new Float32Array(n * D), rows: n, cols: D };
    for (let r = 0; r < n; r++) part.data.set(split.data.subarray(r * Q * D + q * D, r * Q * D + (q + 1) * D), r * D);
    const logits = scale(flexUnembed(part, w, `embds.embeddings.${q}`, `embds.embeddings.${q}.special.weight`), spec.logitScale);
    return Array.from({ length: n }, (_, r) => logits.data.slice(r * logits.cols, (r + 1) * logits.cols));
  });
}
