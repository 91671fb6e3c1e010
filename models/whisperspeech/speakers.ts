// Speaker embeddings for S2A: 192-d ECAPA vectors (S2A L2-normalizes them, so scale does not matter).
// Named presets ship as JSON data; users can pass a vector file (JSON array, {"vector": [...]}, or 768 bytes
// of little-endian float32).
import { InputError } from "../../core/errors.ts";
import defaultSpeaker from "./speakers/default.json" with { type: "json" };

export const SPEAKER_DIM = 192;

const PRESETS: Record<string, number[]> = { default: defaultSpeaker.vector };

export const SPEAKER_PRESETS: readonly string[] = Object.keys(PRESETS);

function checked(v: ArrayLike<number>, where: string): Float32Array {
  if (v.length !== SPEAKER_DIM) throw new InputError(`${where}: a speaker embedding has ${SPEAKER_DIM} values, found ${v.length}`);
  const out = Float32Array.from(v);
  if (!out.every(Number.isFinite)) throw new InputError(`${where}: the speaker embedding holds non-finite values`);
  if (out.every((x) => x === 0)) throw new InputError(`${where}: the speaker embedding is all zeros`);
  return out;
}

/** A preset name (undefined = WhisperSpeech's default speaker) or a vector. */
export function speakerVector(speaker: string | Float32Array | undefined, where = "speaker"): Float32Array {
  if (speaker instanceof Float32Array) return checked(speaker, where);
  const name = speaker ?? "default";
  const preset = PRESETS[name];
  if (!preset) {
    throw new InputError(`${where}: unknown speaker "${name}" (presets: ${SPEAKER_PRESETS.join(", ")}; or pass a file with a 192-d vector)`);
  }
  return checked(preset, where);
}

/** A speaker file's bytes -> vector. */
export function parseSpeakerFile(bytes: Uint8Array, where: string): Float32Array {
  if (bytes.length === SPEAKER_DIM * 4 && !/^\s*[[{]/.test(new TextDecoder().decode(bytes.subarray(0, 8)))) {
    return checked(new Float32Array(bytes.slice().buffer), where);
  }
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new InputError(`${where}: not a speaker file (expected JSON with 192 numbers or 768 bytes of float32)`);
  }
  const v = Array.isArray(data) ? data : (data as { vector?: unknown })?.vector;
  if (!Array.isArray(v) || !v.every((x) => typeof x === "number")) throw new InputError(`${where}: expected a list of 192 numbers`);
  return checked(v, where);
}
