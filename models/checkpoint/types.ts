// A loaded checkpoint: parameter name -> tensor. Shared by the PyTorch and safetensors readers.

export type TensorDType = "float32" | "float16" | "bfloat16" | "float64" | "int64" | "int32" | "int16" | "int8" | "uint8" | "bool";

export interface CheckpointTensor {
  dtype: TensorDType;
  shape: number[];
  /** Raw little-endian bytes of the tensor in row-major order (a view into the file where possible). */
  bytes: Uint8Array;
}

/** Parameter name -> tensor, in file order. */
export type StateDict = Map<string, CheckpointTensor>;

/** A whole checkpoint: the state dict plus any non-tensor data the file carries (e.g. WhisperSpeech config). */
export interface Checkpoint {
  tensors: StateDict;
  /** Plain-data parts of the pickle (dicts, lists, strings, numbers), with tensors left out. */
  meta: Record<string, unknown>;
}
