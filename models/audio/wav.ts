// WAV in and out through the maintained `wavefile` package: PCM 8/16/24/32-bit and 32/64-bit float, any rate,
// mono or multi-channel (mixed down to mono by averaging, as EnCodec's convert_audio does).
import * as wavefileModule from "wavefile";

// Deno loads wavefile's CommonJS build (a default export), bundlers its ES build (a named export).
// deno-lint-ignore no-explicit-any
const WaveFile: typeof wavefileModule.WaveFile = (wavefileModule as any).WaveFile ?? (wavefileModule as any).default.WaveFile;
import { InputError } from "../../core/errors.ts";

export interface Audio {
  samples: Float32Array;
  sampleRate: number;
}

export function readWav(bytes: Uint8Array, label: string): Audio {
  const wav = new WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (e) {
    throw new InputError(`${label}: not a readable WAV file (${(e as Error).message})`);
  }
  const fmt = wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number; bitsPerSample: number };
  if (![1, 3, 65534].includes(fmt.audioFormat)) {
    throw new InputError(`${label}: unsupported WAV encoding (format ${fmt.audioFormat}); use PCM or float`);
  }
  if (!fmt.sampleRate || !fmt.numChannels) throw new InputError(`${label}: WAV header has no sample rate or channels`);
  const sampleRate = fmt.sampleRate; // toBitDepth rewrites the header object
  const depths = fmt.audioFormat === 3 ? [32, 64] : [8, 16, 24, 32, 64];
  if (!depths.includes(fmt.bitsPerSample)) {
    throw new InputError(`${label}: unsupported WAV sample size (${fmt.bitsPerSample} bits; use 8/16/24/32-bit PCM or 32/64-bit float)`);
  }
  let raw: Float32Array | Float32Array[];
  try {
    if (fmt.bitsPerSample !== 32 || fmt.audioFormat === 1) wav.toBitDepth("32f");
    raw = wav.getSamples(false, Float32Array) as unknown as Float32Array | Float32Array[];
  } catch (e) {
    throw new InputError(`${label}: damaged WAV data (${(e as Error).message})`);
  }
  const channels = Array.isArray(raw) ? raw : [raw];
  const n = channels[0].length;
  if (n === 0) throw new InputError(`${label}: the WAV file holds no samples`);
  const samples = new Float32Array(n);
  for (const ch of channels) for (let i = 0; i < n; i++) samples[i] += ch[i] / channels.length;
  return { samples, sampleRate };
}

/** 32-bit float mono WAV (no clipping, no quantisation: what the pipeline encodes). */
export function writeWav(samples: Float32Array, sampleRate: number): Uint8Array {
  const wav = new WaveFile();
  wav.fromScratch(1, sampleRate, "32f", samples);
  return wav.toBuffer();
}
