// Every TtsEngine runs the shared contract: the test double and WhisperSpeech on the demo models.
import { createEngines as createFakes } from "../fakes/fake_engines.ts";
import { createEngines } from "../../deno/engines.ts";
import { ttsEngineContract } from "../contracts/tts_engine_contract.ts";

const cacheDir = await Deno.makeTempDir({ prefix: "tts_contract_" });
const demo = { t2s: "demo:t2s", s2a: "demo:s2a", vocos: "demo:vocos", codec: "demo:encodec", cacheDir };

ttsEngineContract("fake (test double)", async () => (await createFakes({ models: {}, device: "cpu", bandwidth: 1.5, workerId: 0 })).tts);
ttsEngineContract("WhisperSpeech demo models (cpu)", async () => (await createEngines({ models: demo, device: "cpu", bandwidth: 1.5, workerId: 0 })).tts);
ttsEngineContract("WhisperSpeech demo models (wasm)", async () => (await createEngines({ models: demo, device: "wasm", bandwidth: 1.5, workerId: 0 })).tts);
