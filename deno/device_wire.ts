// Line protocol between the parent and a device host: JSON, with typed arrays and errors kept intact.
import type { AdapterReport } from "./adapter_probe.ts";

export type ParentMessage = { op: "spawn" | "kill"; w: number; data?: undefined } | { op?: undefined; w: number; data: unknown };
/** `hello` is the host's first message: the adapter its process gets, before any worker starts. */
export type HostMessage = { w: number; data?: unknown; error?: string; hello?: AdapterReport };

const TYPED: Record<string, { new (a: ArrayLike<number>): ArrayLike<number> }> = {
  Int32Array,
  Float32Array,
  Uint8Array,
  Int16Array,
  Float64Array,
};

function replacer(_key: string, value: unknown) {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const name = value.constructor.name;
    if (name in TYPED) return { $typed: name, v: Array.from(value as unknown as ArrayLike<number>) };
  }
  return value;
}

function reviver(_key: string, value: unknown) {
  if (value && typeof value === "object" && "$typed" in value) {
    const t = value as { $typed: string; v: number[] };
    return new TYPED[t.$typed](t.v);
  }
  return value;
}

const enc = new TextEncoder();
export const encodeLine = (m: ParentMessage | HostMessage) => enc.encode(JSON.stringify(m, replacer) + "\n");
export const decodeLine = <T = ParentMessage>(line: string): T => JSON.parse(line, reviver);

/** The protocol's messages from a byte stream, one per non-empty line, as they arrive. */
export async function* readMessages<T>(stream: ReadableStream<BufferSource>): AsyncGenerator<T> {
  let buf = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line) yield decodeLine<T>(line);
    }
  }
}
