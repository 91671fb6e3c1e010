// The file a bare Hub repo ref means for each model kind.
export const DEFAULT_FILES = { t2s: "t2s.model", s2a: "s2a.model", vocos: "pytorch_model.bin", codec: "model.safetensors" } as const;
