// T2S (TSARTransformer) as two ONNX graphs with the names of contract.ts:
//   t2s_encoder: text_tokens, language_ids [B,550] -> encoder_kv.{i}.key/value [B,H,550,64] per decoder layer
//   t2s_decoder: one token per row with its own position, cps bin and attention_mask; KV cache in/out.
import { GraphBuilder, type Value } from "../onnx/graph_builder.ts";
import type { T2sSpec } from "./checkpoint_spec.ts";
import { T2S_DECODER, T2S_ENCODER } from "./contract.ts";
import {
  BlockBuilder,
  causalMask,
  gatherRows,
  type GraphPrecision,
  kvType,
  maskFromAttention,
  matmulWeight,
  projectedTable,
  toKv,
  unembedMatrix,
  weightInit,
} from "./graph_common.ts";
import { contractDecoderLayer, crossKv, encoderLayer } from "./graph_layers.ts";

/** fp16: float16 weights and float16 cross K/V out (what the fp16 decoder reads); see GraphPrecision. */
export function buildT2sEncoder(spec: T2sSpec, precision: GraphPrecision = "fp32"): Uint8Array {
  const { dims, weights: w } = spec;
  const g = new GraphBuilder("t2s_encoder");
  const b = new BlockBuilder(g, w, dims.numHeads, dims.headDim, precision);
  const L = dims.encoderLen, D = dims.hiddenSize;
  const text = g.input(T2S_ENCODER.inputs.textTokens, "int64", ["batch", L]);
  const langs = g.input(T2S_ENCODER.inputs.languageIds, "int64", ["batch", L]);
  const table = projectedTable(w, "encoder.embedding.main.weight", "encoder.embedding.emb_to_hidden");
  const lang = w.get("lang_embeddings.weight"), pos = w.get("encoder.positional_embedding");
  let x = gatherRows(g, weightInit(g, "text_embedding", table.data, [table.rows, table.cols], precision), text, precision);
  x = g.op("Add", [x, gatherRows(g, weightInit(g, "lang_embedding", lang.data, lang.shape, precision), langs, precision)]);
  x = g.op("Add", [x, g.initializer("encoder_positions", pos.data.subarray(0, L * D), [L, D])]);
  const mask = spec.causalEncoder ? causalMask(g, L) : "";
  for (let i = 0; i < spec.encoderDepth; i++) x = encoderLayer(b, x, `encoder.layers.${i}`, spec.sqrtQkScale, mask);
  const xenc = b.layerNorm(x, "encoder.ln_post");
  const kvDims = ["batch", dims.numHeads, L, dims.headDim];
  for (let i = 0; i < dims.numDecoderLayers; i++) {
    const { k, v } = crossKv(b, xenc, `decoder.layers.${i}`, spec.sqrtQkScale);
    g.output(toKv(g, k, precision), T2S_ENCODER.crossKey(i), kvType(precision), kvDims);
    g.output(toKv(g, v, precision), T2S_ENCODER.crossValue(i), kvType(precision), kvDims);
  }
  return g.toBytes();
}

export function buildT2sDecoder(spec: T2sSpec, precision: GraphPrecision = "fp32"): Uint8Array {
  const { dims, weights: w } = spec;
  const g = new GraphBuilder("t2s_decoder");
  const b = new BlockBuilder(g, w, dims.numHeads, dims.headDim, precision);
  const H = dims.numHeads, hd = dims.headDim;
  const ids = g.input(T2S_DECODER.inputs.inputIds, "int64", ["batch", 1]);
  const positions = g.input(T2S_DECODER.inputs.positionIds, "int64", ["batch", 1]);
  const cps = g.input(T2S_DECODER.inputs.cpsBin, "int64", ["batch"]);
  const attention = g.input(T2S_DECODER.inputs.attentionMask, "float32", ["batch", "capacity_plus_one"]);
  // FlexEmbeddings with one special code: rows 0..512 projected to the width, row 513 the special embedding.
  const main = projectedTable(w, "embeddings.embedding.main.weight", "embeddings.embedding.emb_to_hidden");
  const special = w.get("embeddings.embedding.special.weight");
  const table = new Float32Array((main.rows + special.shape[0]) * main.cols);
  table.set(main.data);
  table.set(special.data, main.rows * main.cols);
  const pos = w.get("embeddings.positional_embedding");
  let x: Value = gatherRows(g, weightInit(g, "token_embedding", table, [main.rows + special.shape[0], main.cols], precision), ids, precision);
  x = g.op("Add", [x, gatherRows(g, weightInit(g, "decoder_positions", pos.data, pos.shape, precision), positions, precision)]);
  if (spec.cpsInput) {
    const c = w.get("cps_embeddings.weight");
    const cpsEmb = gatherRows(g, weightInit(g, "cps_embedding", c.data, c.shape, precision), cps, precision);
    x = g.op("Add", [x, g.op("Unsqueeze", [cpsEmb, g.ints([1])])]);
  }
  const mask = maskFromAttention(g, attention);
  for (let i = 0; i < dims.numDecoderLayers; i++) {
    x = contractDecoderLayer(b, x, i, T2S_DECODER, { heads: H, headDim: hd, encoderLen: dims.encoderLen }, spec.sqrtQkScale, mask);
  }
  x = b.layerNorm(x, "decoder.ln_post");
  const un = unembedMatrix(w, "embeddings.embedding", "embeddings.embedding.special.weight", spec.logitScale);
  const unembed = weightInit(g, "unembed", un.mat, [un.d, un.cols], precision);
  const logits = g.op("Add", [matmulWeight(g, x, unembed, precision), g.initializer("unembed_bias", un.bias, [un.cols])]);
  g.output(logits, T2S_DECODER.logits, "float32", ["batch", 1, un.cols]);
  return g.toBytes();
}
