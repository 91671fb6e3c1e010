// S2A (SADelARTransformer, RoPE) as two ONNX graphs with the names of contract.ts:
//   s2a_encoder: semantic_tokens [B,750] + speaker_embedding [B,192] -> encoder_kv.{i}.key/value [B,H,750,64]
//                (cross keys rotated at positions 3j, as upstream's key_subsampling = 3)
//   s2a_decoder: one delay-grid column [B,4,1] per row at its own position; KV cache in/out;
//                logits [B,4,1,1026].
import { GraphBuilder, type Value } from "../onnx/graph_builder.ts";
import type { S2aSpec } from "./checkpoint_spec.ts";
import { S2A_DECODER, S2A_ENCODER } from "./contract.ts";
import {
  BlockBuilder,
  causalMask,
  gatherRows,
  type GraphPrecision,
  kvType,
  maskFromAttention,
  matmulWeight,
  projectedTable,
  ropeAt,
  ropeTables,
  toKv,
  unembedMatrix,
  weightInit,
} from "./graph_common.ts";
import { contractDecoderLayer, crossKv, encoderLayer, type RopeAt } from "./graph_layers.ts";

/**
 * RoPE cos/sin at `positions` for the module whose buffer is `invFreq`. Upstream stores one inv_freq per
 * attention module (all equal in released files), so equal buffers share one table pair and one Gather:
 * a 2500x64 pair per module would add ~15 MB to the tiny decoder.
 */
function ropeSource(g: GraphBuilder, spec: S2aSpec) {
  const tables = new Map<string, { cos: Value; sin: Value }>();
  const gathered = new Map<string, RopeAt>();
  return (invFreq: string, positions: Value, perRow: boolean): RopeAt => {
    const key = spec.weights.has(invFreq) ? Array.from(spec.weights.get(invFreq).data).join() : "default";
    let tab = tables.get(key);
    if (!tab) {
      const t = ropeTables(spec.weights, invFreq);
      tab = { cos: g.constant(t.cos, [t.positions, t.dim], "float32", "rope_cos"), sin: g.constant(t.sin, [t.positions, t.dim], "float32", "rope_sin") };
      tables.set(key, tab);
    }
    const at = `${key}|${positions}|${perRow}`;
    if (!gathered.has(at)) gathered.set(at, ropeAt(g, tab, positions, perRow));
    return gathered.get(at)!;
  };
}

/** fp16: float16 weights and float16 cross K/V out (what the fp16 decoder reads); see GraphPrecision. */
export function buildS2aEncoder(spec: S2aSpec, precision: GraphPrecision = "fp32"): Uint8Array {
  const { dims, weights: w } = spec;
  const g = new GraphBuilder("s2a_encoder");
  const b = new BlockBuilder(g, w, dims.numHeads, dims.headDim, precision);
  const L = dims.encoderLen;
  const stoks = g.input(S2A_ENCODER.inputs.semanticTokens, "int64", ["batch", L]);
  const speaker = g.input(S2A_ENCODER.inputs.speakerEmbedding, "float32", ["batch", 192]);
  const table = projectedTable(w, "semantic_embedding.weight", "emb_to_hidden");
  let x: Value = gatherRows(g, weightInit(g, "semantic_embedding", table.data, [table.rows, table.cols], precision), stoks, precision);
  const positions = g.constant(Array.from({ length: L }, (_, i) => i), [L], "int64", "positions");
  const mask = spec.causalEncoder ? causalMask(g, L) : "";
  const rope = ropeSource(g, spec);
  for (let i = 0; i < spec.encoderDepth; i++) {
    const at = rope(`encoder.${i}.attn.rotary.inv_freq`, positions, false);
    x = encoderLayer(b, x, `encoder.${i}`, spec.sqrtQkScale, mask, at);
  }
  x = b.layerNorm(x, "ln_post");
  // F.normalize(speaker) (+ spk_to_hidden), broadcast over positions.
  const norm = g.op("Max", [g.op("ReduceL2", [speaker], { axes: [-1], keepdims: 1 }), g.scalar(1e-12)]);
  let spk = g.op("Div", [speaker, norm]);
  if (w.has("spk_to_hidden.weight")) spk = b.linear(spk, "spk_to_hidden");
  const xenc = g.op("Add", [x, g.op("Unsqueeze", [spk, g.ints([1])])]);
  const kvDims = ["batch", dims.numHeads, L, dims.headDim];
  const keyPositions = g.constant(Array.from({ length: L }, (_, j) => 3 * j), [L], "int64", "key_positions");
  for (let i = 0; i < dims.numDecoderLayers; i++) {
    const at = rope(`decoder.layers.${i}.cross_attn.rotary.inv_freq`, keyPositions, false);
    const { k, v } = crossKv(b, xenc, `decoder.layers.${i}`, spec.sqrtQkScale, at);
    g.output(toKv(g, k, precision), S2A_ENCODER.crossKey(i), kvType(precision), kvDims);
    g.output(toKv(g, v, precision), S2A_ENCODER.crossValue(i), kvType(precision), kvDims);
  }
  return g.toBytes();
}

export function buildS2aDecoder(spec: S2aSpec, precision: GraphPrecision = "fp32"): Uint8Array {
  const { dims, weights: w } = spec;
  const Q = dims.quantizers ?? 4, H = dims.numHeads, hd = dims.headDim, D = dims.hiddenSize;
  const g = new GraphBuilder("s2a_decoder");
  const b = new BlockBuilder(g, w, H, hd, precision);
  const ids = g.input(S2A_DECODER.inputs.inputIds, "int64", ["batch", Q, 1]);
  const positions = g.input(S2A_DECODER.inputs.positionIds, "int64", ["batch", 1]);
  const attention = g.input(S2A_DECODER.inputs.attentionMask, "float32", ["batch", "capacity_plus_one"]);
  // DelSumEmbedding: the sum over codebooks of FlexEmbeddings(1024 codes + 2 shared specials). One Gather of the
  // int64 ids from a wide table (row r = every codebook's row r side by side), then each codebook keeps its own
  // block: per-codebook Gathers (a Split + Squeezes) or int64 id arithmetic run on the CPU in a WebGPU session.
  let rows = 0;
  const tables: Float32Array[] = [];
  for (let q = 0; q < Q; q++) {
    const main = projectedTable(w, `embds.embeddings.${q}.main.weight`, `embds.embeddings.${q}.emb_to_hidden`);
    const special = w.get(`embds.embeddings.${q}.special.weight`);
    rows = main.rows + 2;
    const table = new Float32Array(rows * D);
    table.set(main.data);
    table.set(special.data, main.rows * D);
    tables.push(table);
  }
  const wide = new Float32Array(rows * Q * D);
  tables.forEach((t, q) => {
    for (let r = 0; r < rows; r++) wide.set(t.subarray(r * D, (r + 1) * D), (r * Q + q) * D);
  });
  const own = new Float32Array(Q * Q * D);
  for (let q = 0; q < Q; q++) own.fill(1, (q * Q + q) * D, (q * Q + q + 1) * D);
  const gathered = gatherRows(g, weightInit(g, "codebooks_wide", wide, [rows, Q * D], precision), ids, precision); // [B,Q,1,Q*D]
  const kept = g.op("ReduceSum", [g.op("Mul", [gathered, g.initializer("codebook_blocks", own, [1, Q, 1, Q * D])]), g.ints([1])], { keepdims: 0 });
  let x: Value | undefined = g.op("ReduceSum", [g.op("Reshape", [kept, g.ints([0, 1, Q, D])]), g.ints([2])], { keepdims: 0 }); // [B,1,D]
  const mask = maskFromAttention(g, attention);
  const rope = ropeSource(g, spec);
  for (let i = 0; i < dims.numDecoderLayers; i++) {
    const selfAt = rope(`decoder.layers.${i}.attn.rotary.inv_freq`, positions, true);
    const crossAt = rope(`decoder.layers.${i}.cross_attn.rotary.inv_freq`, positions, true);
    // Self-attention q/k rotate at p; cross-attention q at p (its keys were rotated at 3j by the encoder).
    x = contractDecoderLayer(b, x!, i, S2A_DECODER, { heads: H, headDim: hd, encoderLen: dims.encoderLen }, spec.sqrtQkScale, mask, selfAt, crossAt);
  }
  x = b.layerNorm(x!, "decoder.ln_post");
  // DelSumHead: Linear(D -> Q*D) + GELU, chunk q unembedded by codebook q's FlexEmbeddings.
  const split = b.gelu(b.linear(x, "head.splitter.0")); // [B,1,Q*D]
  const perQ = g.op("Transpose", [g.op("Reshape", [split, g.ints([0, 1, Q, D])])], { perm: [0, 2, 1, 3] }); // [B,Q,1,D]
  const mats = Array.from({ length: Q }, (_, q) => unembedMatrix(w, `embds.embeddings.${q}`, `embds.embeddings.${q}.special.weight`, spec.logitScale));
  const cols = mats[0].cols;
  const stacked = new Float32Array(Q * D * cols), bias = new Float32Array(Q * cols);
  mats.forEach((m, q) => {
    stacked.set(m.mat, q * D * cols);
    bias.set(m.bias, q * cols);
  });
  const logits = g.op("Add", [
    matmulWeight(g, perQ, weightInit(g, "unembed", stacked, [Q, D, cols], precision), precision),
    g.initializer("unembed_bias", bias, [Q, 1, cols]),
  ]);
  g.output(logits, S2A_DECODER.logits, "float32", ["batch", Q, 1, cols]);
  return g.toBytes();
}
