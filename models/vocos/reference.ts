// A naive Vocos in plain TypeScript (direct convolutions, per-frame inverse DFT, overlap-add, envelope), to
// prove the graph right in tests. Slow by design.
import type { VocosWeights } from "./weights.ts";
import { erf } from "../math/erf.ts";


/** codes[q][t] -> audio (hop * T samples). */
export function vocosReference(w: VocosWeights, codes: number[][], bandwidthId: number): Float32Array {
  const T = codes[0].length, C = w.codebooks.shape[1], D = w.dim;
  // features [C][T]
  const feat = Array.from({ length: C }, () => new Float64Array(T));
  codes.forEach((row, q) => row.forEach((code, t) => {
    for (let c = 0; c < C; c++) feat[c][t] += w.codebooks.data[(code + 1024 * q) * C + c];
  }));
  const conv = (x: Float64Array[], weight: Float32Array, bias: Float32Array, outCh: number, groups: number) => {
    const inCh = x.length, perGroup = inCh / groups, outPer = outCh / groups;
    return Array.from({ length: outCh }, (_, o) => {
      const y = new Float64Array(T);
      const gIdx = Math.floor(o / outPer);
      for (let t = 0; t < T; t++) {
        let acc = bias[o];
        for (let i = 0; i < perGroup; i++) {
          for (let k = 0; k < 7; k++) {
            const s = t + k - 3;
            if (s >= 0 && s < T) acc += weight[(o * perGroup + i) * 7 + k] * x[gIdx * perGroup + i][s];
          }
        }
        y[t] = acc;
      }
      return y;
    });
  };
  const norm = (x: Float64Array[], scale: Float32Array, shift: Float32Array, row: number, eps = 1e-6) => {
    const out = x.map(() => new Float64Array(T));
    for (let t = 0; t < T; t++) {
      let mean = 0, v = 0;
      for (let c = 0; c < D; c++) mean += x[c][t];
      mean /= D;
      for (let c = 0; c < D; c++) v += (x[c][t] - mean) ** 2;
      const inv = 1 / Math.sqrt(v / D + eps);
      for (let c = 0; c < D; c++) out[c][t] = (x[c][t] - mean) * inv * scale[row * D + c] + shift[row * D + c];
    }
    return out;
  };
  const dense = (x: Float64Array[], weight: Float32Array, bias: Float32Array, out: number) => {
    const inp = x.length;
    return Array.from({ length: out }, (_, o) => {
      const y = new Float64Array(T);
      for (let t = 0; t < T; t++) {
        let acc = bias[o];
        for (let i = 0; i < inp; i++) acc += weight[o * inp + i] * x[i][t];
        y[t] = acc;
      }
      return y;
    });
  };
  const row = (n: VocosWeights["norm"]) => (n.adaptive ? bandwidthId : 0);
  let x = conv(feat, w.embed.weight.data, w.embed.bias.data, D, 1);
  x = norm(x, w.norm.scale.data, w.norm.shift.data, row(w.norm));
  for (const b of w.blocks) {
    let y = conv(x, b.dw.weight.data, b.dw.bias.data, D, D);
    y = norm(y, b.norm.scale.data, b.norm.shift.data, row(b.norm));
    y = dense(y, b.pw1.weight.data, b.pw1.bias.data, b.pw1.weight.shape[0]).map((r) => r.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))));
    y = dense(y, b.pw2.weight.data, b.pw2.bias.data, D);
    x = x.map((r, c) => r.map((v, t) => v + (b.gamma ? b.gamma.data[c] : 1) * y[c][t]));
  }
  x = norm(x, w.finalNorm.weight.data, w.finalNorm.bias.data, 0);
  const head = dense(x, w.head.weight.data, w.head.bias.data, w.nFft + 2);
  const bins = w.nFft / 2 + 1, N = w.nFft, hop = w.hop;
  const outLen = (T - 1) * hop + N, y = new Float64Array(outLen), env = new Float64Array(outLen);
  // cos/sin of 2πm/N by table: the same direct sum, without a trig call per term.
  const cos = Float64Array.from({ length: N }, (_, m) => Math.cos((2 * Math.PI * m) / N));
  const sin = Float64Array.from({ length: N }, (_, m) => Math.sin((2 * Math.PI * m) / N));
  const re = new Float64Array(bins), im = new Float64Array(bins);
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < bins; k++) {
      const mag = Math.min(Math.exp(head[k][t]), 100), p = head[bins + k][t];
      re[k] = mag * Math.cos(p);
      im[k] = k === 0 || k === N / 2 ? 0 : mag * Math.sin(p); // irfft drops these imaginary parts
    }
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let k = 0; k < bins; k++) {
        const m = (k * n) % N;
        acc += (k === 0 || k === N / 2 ? 1 : 2) * (re[k] * cos[m] - im[k] * sin[m]);
      }
      y[t * hop + n] += (acc / N) * w.window[n];
      env[t * hop + n] += w.window[n] ** 2;
    }
  }
  const pad = (N - hop) / 2;
  return Float32Array.from({ length: T * hop }, (_, i) => y[pad + i] / env[pad + i]);
}
