// The production engine module loaded by every worker under Deno: text-to-speech + EnCodec on the worker's
// device, from the config's `models` refs (downloaded and converted once, then cached).
import { ModelError } from "../core/errors.ts";
import type { CreateEngines } from "../core/worker/engines.ts";

export const createEngines: CreateEngines = (spec) => {
  // The EnCodec half exists (deno/codec_loader.ts); the WhisperSpeech T2S -> S2A -> Vocos half is issue 4.
  // Until it lands, refuse clearly instead of producing anything that is not speech.
  return Promise.reject(
    new ModelError(`WhisperSpeech text-to-speech (models.t2s = ${spec.models.t2s}) is not available in this version yet`),
  );
};
