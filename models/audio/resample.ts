// Resampling to the codec's rate with libsamplerate (WebAssembly build of the maintained C library).
import libsamplerate from "@alexanderolsen/libsamplerate-js";

const { ConverterType, create } = libsamplerate;

export async function resample(pcm: Float32Array, from: number, to: number): Promise<Float32Array> {
  if (from === to) return pcm;
  const src = await create(1, from, to, { converterType: ConverterType.SRC_SINC_BEST_QUALITY });
  try {
    return src.simple(pcm);
  } finally {
    src.destroy();
  }
}
