// Runs web/prepare_worker.ts for a set of model refs; the status goes to the models panel. A Hub download that
// fails is not retried: the page says the Hub is unreachable and what to do instead.
import * as Comlink from "comlink";
import { ModelError } from "../core/errors.ts";
import type { PrepareApi, PrepareStatus } from "./prepare_worker.ts";

export async function prepareModels(
  refs: Record<"t2s" | "s2a" | "vocos" | "codec", string>,
  bandwidth: number,
  onStatus: (s: PrepareStatus) => void,
  signal: AbortSignal,
): Promise<void> {
  const worker = new Worker(new URL("./prepare_worker.ts", import.meta.url), { type: "module" });
  const api = Comlink.wrap<PrepareApi>(worker);
  const stopped = new Promise<never>((_, reject) => {
    const stop = () => reject(new DOMException("stopped", "AbortError"));
    if (signal.aborted) stop();
    signal.addEventListener("abort", stop, { once: true });
  });
  try {
    await Promise.race([api.prepare(refs, bandwidth, Comlink.proxy(onStatus)), stopped]);
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    const message = (e as Error).message ?? String(e);
    if (/download failed/.test(message)) {
      throw new ModelError(`the Hugging Face Hub is unreachable (${message}): use the demo models or drop checkpoint files`);
    }
    throw new ModelError(message);
  } finally {
    worker.terminate();
  }
}
