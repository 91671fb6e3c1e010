// model.json: the small descriptor written next to converted ONNX graphs.
export const DESCRIPTOR = "model.json";
export const FORMAT_VERSION = 1;

export interface ModelDescriptor {
  kind: "encodec" | "vocos" | "whisperspeech-t2s" | "whisperspeech-s2a";
  format_version: number;
  /** Converter id and version: converted files are reused only by the same converter. */
  converter: string;
  /** sha256 of the source checkpoint bytes. */
  source_sha256: string;
  source?: string;
  /** Graph files in this folder, by role. */
  graphs: Record<string, string>;
  /** Model facts the runtime needs (sizes, rates, codebooks...). */
  config: Record<string, unknown>;
  /** True for the demo models: seeded random weights, not a trained model. */
  random_weights?: boolean;
}

export function encodeDescriptor(d: ModelDescriptor): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(d, null, 2) + "\n");
}
