// A second, naive implementation of EnCodec's math in plain TypeScript (loops, no ONNX), written straight from
// the upstream definitions. Tests prove the ONNX graphs against it; it is far too slow for real use.
import type { Conv, EncodecWeights, Layer, Lstm, ResBlock } from "./weights.ts";

/** [C][L] channel-major signal. */
export type Signal = Float32Array[];

function conv1d(x: Signal, c: Conv): Signal {
  const [outC, inC, k] = c.shape;
  const L = x[0].length;
  const outL = Math.floor((L - ((k - 1) * c.dilation + 1)) / c.stride) + 1;
  const y: Signal = [];
  for (let o = 0; o < outC; o++) {
    const row = new Float32Array(outL);
    for (let t = 0; t < outL; t++) {
      let s = c.bias[o];
      for (let i = 0; i < inC; i++) {
        for (let j = 0; j < k; j++) s += c.weight[(o * inC + i) * k + j] * x[i][t * c.stride + j * c.dilation];
      }
      row[t] = s;
    }
    y.push(row);
  }
  return y;
}

/** upstream pad1d: reflect, zero-extending first when the signal is shorter than the pad. */
function pad1d(x: Signal, left: number, right: number, mode: "reflect" | "zero"): Signal {
  return x.map((row) => {
    let src = row;
    let extra = 0;
    const maxPad = Math.max(left, right);
    if (mode === "reflect" && src.length <= maxPad) {
      extra = maxPad - src.length + 1;
      const z = new Float32Array(src.length + extra);
      z.set(src);
      src = z;
    }
    const n = src.length;
    const out = new Float32Array(n + left + right);
    for (let i = 0; i < out.length; i++) {
      const p = i - left;
      if (p >= 0 && p < n) out[i] = src[p];
      else if (mode === "reflect") out[i] = src[p < 0 ? -p : 2 * (n - 1) - p];
    }
    return out.subarray(0, out.length - extra);
  });
}

/** Causal SConv1d: reflect pad (k_eff - stride) on the left, plus what makes the last window whole. */
function sconv(x: Signal, c: Conv): Signal {
  const kEff = (c.shape[2] - 1) * c.dilation + 1;
  const padTotal = kEff - c.stride;
  const L = x[0].length;
  const nFrames = (L - kEff + padTotal) / c.stride + 1;
  const ideal = (Math.ceil(nFrames) - 1) * c.stride + (kEff - padTotal);
  return conv1d(pad1d(x, padTotal, ideal - L, "reflect"), c);
}

/** Causal SConvTranspose1d: full transposed conv, then trim (k - stride) samples on the right. */
function sconvtr(x: Signal, c: Conv): Signal {
  const [inC, outC, k] = c.shape;
  const T = x[0].length;
  const full = (T - 1) * c.stride + k;
  const y: Signal = [];
  for (let o = 0; o < outC; o++) {
    const row = new Float32Array(full).fill(c.bias[o]);
    for (let i = 0; i < inC; i++) {
      for (let t = 0; t < T; t++) {
        const v = x[i][t];
        for (let j = 0; j < k; j++) row[t * c.stride + j] += v * c.weight[(i * outC + o) * k + j];
      }
    }
    y.push(row.subarray(0, full - (k - c.stride)));
  }
  return y;
}

const elu = (x: Signal): Signal => x.map((r) => r.map((v) => (v > 0 ? v : Math.expm1(v))));

function res(x: Signal, b: ResBlock): Signal {
  const h = sconv(elu(sconv(elu(x), b.conv1)), b.conv2);
  const s = b.shortcut ? sconv(x, b.shortcut) : x;
  return h.map((r, i) => r.map((v, t) => v + s[i][t]));
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** torch.nn.LSTM (gates i, f, g, o), then the SLSTM skip: y + x. */
function lstm(x: Signal, m: Lstm): Signal {
  const T = x[0].length;
  let seq: Float32Array[] = Array.from({ length: T }, (_, t) => Float32Array.from(x, (row) => row[t]));
  const H = m.hidden;
  for (const l of m.layers) {
    const h = new Float32Array(H), c = new Float32Array(H);
    const next: Float32Array[] = [];
    for (let t = 0; t < T; t++) {
      const gates = new Float32Array(4 * H);
      for (let g = 0; g < 4 * H; g++) {
        let s = l.bih[g] + l.bhh[g];
        for (let i = 0; i < l.input; i++) s += l.wih[g * l.input + i] * seq[t][i];
        for (let i = 0; i < H; i++) s += l.whh[g * H + i] * h[i];
        gates[g] = s;
      }
      for (let j = 0; j < H; j++) {
        const ig = sigmoid(gates[j]), fg = sigmoid(gates[H + j]), gg = Math.tanh(gates[2 * H + j]), og = sigmoid(gates[3 * H + j]);
        c[j] = fg * c[j] + ig * gg;
        h[j] = og * Math.tanh(c[j]);
      }
      next.push(h.slice());
    }
    seq = next;
  }
  return x.map((row, i) => row.map((v, t) => v + seq[t][i]));
}

function run(x: Signal, layers: Layer[]): Signal {
  for (const l of layers) {
    if (l.kind === "conv") x = sconv(x, l.conv);
    else if (l.kind === "convtr") x = sconvtr(x, l.conv);
    else if (l.kind === "res") x = res(x, l.block);
    else if (l.kind === "lstm") x = lstm(x, l.lstm);
    else x = elu(x);
  }
  return x;
}

/** Mono PCM -> pre-quantization embeddings [dim][T]. */
export function encodeEmbeddings(w: EncodecWeights, pcm: Float32Array): Signal {
  return run([pcm], w.encoder);
}

/** Residual vector quantization: nearest code by upstream's distance, first index on ties. Returns [nq][T]. */
export function quantize(w: EncodecWeights, emb: Signal, nq: number): Int32Array[] {
  const T = emb[0].length, D = w.dim;
  const residual = Array.from({ length: T }, (_, t) => Float32Array.from(emb, (row) => row[t]));
  const codes: Int32Array[] = [];
  for (let q = 0; q < nq; q++) {
    const E = w.codebooks[q];
    const out = new Int32Array(T);
    for (let t = 0; t < T; t++) {
      const x = residual[t];
      let x2 = 0;
      for (let d = 0; d < D; d++) x2 += x[d] * x[d];
      let best = -Infinity, bestIdx = 0;
      for (let b = 0; b < w.bins; b++) {
        let dot = 0, e2 = 0;
        for (let d = 0; d < D; d++) (dot += x[d] * E[b * D + d]), (e2 += E[b * D + d] * E[b * D + d]);
        const dist = -(x2 - 2 * dot + e2);
        if (dist > best) (best = dist), (bestIdx = b);
      }
      out[t] = bestIdx;
      for (let d = 0; d < D; d++) x[d] -= E[bestIdx * D + d];
    }
    codes.push(out);
  }
  return codes;
}

/** Codes [nq][T] -> waveform. */
export function decode(w: EncodecWeights, codes: Int32Array[]): Float32Array {
  const T = codes[0].length, D = w.dim;
  const emb: Signal = Array.from({ length: D }, () => new Float32Array(T));
  codes.forEach((c, q) => {
    for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) emb[d][t] += w.codebooks[q][c[t] * D + d];
  });
  return run(emb, w.decoder)[0];
}
