// Vocos as one ONNX graph: audio_codes [B,Q,T] int64 + bandwidth_id [1] -> audio_values [B, hop*T].
// Codes index the stacked EnCodec codebooks (code + 1024 q) and are summed; the ConvNeXt backbone uses
// AdaLayerNorm rows picked by bandwidth_id; the ISTFT is in the graph: the inverse real DFT times the window
// as two MatMuls, overlap-add by padding and summing the n_fft/hop chunks, trim, and the window² envelope.
// fp16: the codebook table and the Linear weights (backbone MLPs, head) float16 with float16 products; convolutions,
// LayerNorms, the magnitude/phase maths and the ISTFT stay float32.
import { float, GraphBuilder, type Value } from "../onnx/graph_builder.ts";
import { VOCOS } from "../whisperspeech/contract.ts";
import { gatherRows, type GraphPrecision, matmulWeight, weightInit } from "../whisperspeech/graph_common.ts";
import type { Tensor32, VocosWeights } from "./weights.ts";

/** Windowed inverse real DFT bases [bins, n_fft]: frame = re @ C + im @ S (irfft ignores DC/Nyquist imag). */
export function istftBases(nFft: number, window: Float32Array) {
  const bins = nFft / 2 + 1;
  const c = new Float32Array(bins * nFft), s = new Float32Array(bins * nFft);
  for (let k = 0; k < bins; k++) {
    const edge = k === 0 || k === nFft / 2, w = edge ? 1 : 2; // DC and Nyquist appear once in the full spectrum
    for (let n = 0; n < nFft; n++) {
      const a = (2 * Math.PI * ((k * n) % nFft)) / nFft;
      c[k * nFft + n] = (w * Math.cos(a) * window[n]) / nFft;
      s[k * nFft + n] = edge ? 0 : (-w * Math.sin(a) * window[n]) / nFft;
    }
  }
  return { c, s, bins };
}

export function buildVocos(w: VocosWeights, precision: GraphPrecision = "fp32"): Uint8Array {
  const g = new GraphBuilder("vocos");
  const t = (name: string, x: Tensor32) => g.initializer(name, x.data, x.shape);
  const codes = g.input(VOCOS.inputs.audioCodes, "int64", ["batch", "codebooks", "frames"]);
  const bandwidth = g.input(VOCOS.inputs.bandwidthId, "int64", [1]);
  const D = w.dim, chunks = w.nFft / w.hop;

  // features = sum_q codebook_weights[code_q + bins * q]  -> [B, C, T]. The WebGPU EP has no int64 arithmetic
  // or int64 Cast (a Range over the dynamic codebook count ran on the CPU), so the codes become float32 by a
  // Gather from the table 0..rows-1, q is a running sum of ones over the codebook axis, and the index goes back
  // to int32 (exact in float32: indices stay far below 2^24).
  const rows = w.codebooks.shape[0];
  const codesF = g.op("Gather", [g.initializer("code_values", Float32Array.from({ length: rows }, (_, i) => i), [rows]), codes], { axis: 0 });
  const q = g.op("Sub", [g.op("CumSum", [g.op("Add", [g.op("Mul", [codesF, g.scalar(0)]), g.scalar(1)]), g.constant([1], [], "int32")]), g.scalar(1)]);
  const idx = g.op("Cast", [g.op("Add", [codesF, g.op("Mul", [q, g.scalar(w.bins)])])], { to: 6 });
  const table = weightInit(g, "codebook_weights", w.codebooks.data, w.codebooks.shape, precision);
  const feats = g.op("ReduceSum", [gatherRows(g, table, idx, precision), g.ints([1])], { keepdims: 0 }); // [B,T,C]
  let x = g.op("Conv", [g.op("Transpose", [feats], { perm: [0, 2, 1] }), t("embed.weight", w.embed.weight), t("embed.bias", w.embed.bias)], {
    kernel_shape: [7], pads: [3, 3],
  });

  const ones = g.initializer("ln_ones", new Float32Array(D).fill(1), [D]), zeros = g.initializer("ln_zeros", new Float32Array(D), [D]);
  let n = 0;
  const adaNorm = (y: Value, norm: VocosWeights["norm"]) => { // y [B,T,D]
    const ln = g.op("LayerNormalization", [y, ones, zeros], { axis: -1, epsilon: float(1e-6) });
    const row = norm.adaptive ? bandwidth : g.ints([0]);
    const scale = g.op("Gather", [t(`norm${n}.scale`, norm.scale), row], { axis: 0 });
    const shift = g.op("Gather", [t(`norm${n++}.shift`, norm.shift), row], { axis: 0 });
    return g.op("Add", [g.op("Mul", [ln, scale]), shift]);
  };
  const linear = (y: Value, p: { weight: Tensor32; bias: Tensor32 }, name: string) => {
    const [out, inp] = p.weight.shape;
    const wt = new Float32Array(inp * out);
    for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) wt[i * out + o] = p.weight.data[o * inp + i];
    return g.op("Add", [matmulWeight(g, y, weightInit(g, `${name}.wT`, wt, [inp, out], precision), precision), t(`${name}.b`, p.bias)]);
  };
  const gelu = (y: Value) =>
    g.op("Mul", [g.op("Mul", [y, g.scalar(0.5)]), g.op("Add", [g.op("Erf", [g.op("Mul", [y, g.scalar(Math.SQRT1_2)])]), g.scalar(1)])]);

  x = g.op("Transpose", [adaNorm(g.op("Transpose", [x], { perm: [0, 2, 1] }), w.norm)], { perm: [0, 2, 1] }); // [B,D,T]
  w.blocks.forEach((blk, i) => {
    const dw = g.op("Conv", [x, t(`block${i}.dw.weight`, blk.dw.weight), t(`block${i}.dw.bias`, blk.dw.bias)], { kernel_shape: [7], pads: [3, 3], group: D });
    let y = adaNorm(g.op("Transpose", [dw], { perm: [0, 2, 1] }), blk.norm);
    y = linear(gelu(linear(y, blk.pw1, `block${i}.pw1`)), blk.pw2, `block${i}.pw2`);
    if (blk.gamma) y = g.op("Mul", [y, t(`block${i}.gamma`, blk.gamma)]);
    x = g.op("Add", [x, g.op("Transpose", [y], { perm: [0, 2, 1] })]);
  });
  const h = g.op("LayerNormalization", [g.op("Transpose", [x], { perm: [0, 2, 1] }), t("final_ln.weight", w.finalNorm.weight), t("final_ln.bias", w.finalNorm.bias)], {
    axis: -1, epsilon: float(1e-6),
  });

  // ISTFT head: [B,T,n_fft+2] -> magnitude and phase halves.
  const { c, s, bins } = istftBases(w.nFft, w.window);
  const [magLog, phase] = g.opN("Split", [linear(h, w.head, "head"), g.ints([bins, bins])], 2, { axis: -1 });
  const mag = g.op("Min", [g.op("Exp", [magLog]), g.scalar(100)]);
  const frames = g.op("Add", [
    g.op("MatMul", [g.op("Mul", [mag, g.op("Cos", [phase])]), g.initializer("irfft_cos", c, [bins, w.nFft])]),
    g.op("MatMul", [g.op("Mul", [mag, g.op("Sin", [phase])]), g.initializer("irfft_sin", s, [bins, w.nFft])]),
  ]); // [B,T,n_fft], windowed
  const overlapAdd = (f: Value) => { // [B,T,n_fft] -> [B,(T+chunks-1)*hop]
    const parts = g.opN("Split", [g.op("Reshape", [f, g.ints([0, 0, chunks, w.hop])]), g.ints(new Array(chunks).fill(1))], chunks, { axis: 2 });
    let sum: Value | undefined;
    parts.forEach((p, j) => {
      const padded = g.op("Pad", [g.op("Squeeze", [p, g.ints([2])]), g.ints([0, j, 0, 0, chunks - 1 - j, 0])], { mode: "constant" });
      sum = sum ? g.op("Add", [sum, padded]) : padded;
    });
    return g.op("Reshape", [sum!, g.ints([0, -1])]);
  };
  const windowSquared = w.window.map((v) => v * v);
  const wsq = g.initializer("window_sq", windowSquared, [1, 1, w.nFft]);
  // One row [1,T,n_fft] is enough: the envelope only depends on T and broadcasts over the batch.
  const envelope = overlapAdd(g.op("Expand", [wsq, g.op("Shape", [frames], { start: 1 })]));
  const pad = (w.nFft - w.hop) / 2;
  const trim = (y: Value) => g.op("Slice", [y, g.ints([pad]), g.ints([-pad]), g.ints([1])]);
  const audio = g.op("Div", [trim(overlapAdd(frames)), trim(envelope)]);
  g.output(audio, VOCOS.output, "float32", ["batch", "samples"]);
  return g.toBytes();
}
