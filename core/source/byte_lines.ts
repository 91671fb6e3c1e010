// Lines of a byte stream, decoded one at a time: a text dataset is never held whole, and a byte that is not
// UTF-8 is reported with the exact line it is on.
import { InputError } from "../errors.ts";

/** Opens the dataset's bytes afresh (a source is read more than once: a checking pass, then the run). */
export type OpenBytes = () => Promise<ReadableStream<Uint8Array>>;

/** A line longer than this is refused: it holds no sane row, and a file without newlines must not fill memory. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

export interface Line {
  /** 1-based line number. */
  number: number;
  /** The line without its "\n" (a "\r" before it stays: CSV needs it to keep quoted CRLF). */
  text: string;
}

/** Strict UTF-8 with the message every text format gives. */
export function decodeLine(label: string, bytes: Uint8Array, line: number, decoder: TextDecoder): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new InputError(`${label}: not valid UTF-8 text (near line ${line}); re-encode the file as UTF-8`);
  }
}

/**
 * Splits on "\n" at the byte level, so a bad byte never hides a line break and line numbers stay exact. The
 * complete lines of each chunk are decoded in one call (a call per line costs more than the decoding), and
 * only a span that is not valid UTF-8 is decoded line by line, to name the line the bad byte is on.
 */
export async function* byteLines(label: string, open: OpenBytes, signal?: AbortSignal): AsyncGenerator<Line> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  const keepBom = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const reader = (await open()).getReader();
  // The unfinished line so far, in parts (joined once: a long line over many chunks is not copied again and again).
  let parts: Uint8Array[] = [];
  let held = 0;
  let number = 0;
  const take = (tail: Uint8Array): Uint8Array => {
    if (parts.length === 0) return tail;
    const out = new Uint8Array(held + tail.length);
    let at = 0;
    for (const p of [...parts, tail]) {
      out.set(p, at);
      at += p.length;
    }
    parts = [];
    held = 0;
    return out;
  };
  try {
    for (;;) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) break;
      const end = value.lastIndexOf(0x0a);
      if (end >= 0) {
        // Lines are decoded as they were one at a time: a byte order mark at a line's start is dropped.
        for (const text of decodeLines(label, take(value.subarray(0, end)), number, keepBom)) {
          yield { number: ++number, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
        }
      }
      if (end + 1 < value.length) {
        parts.push(value.slice(end + 1));
        held += value.length - end - 1;
        if (held > MAX_LINE_BYTES) {
          throw new InputError(`${label}: line ${number + 1} is longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB; is this a text file?`);
        }
      }
    }
    if (held > 0) yield { number: ++number, text: decodeLine(label, take(new Uint8Array(0)), number, decoder) };
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** Whole lines (bytes between line breaks, without the last one) as strings; `before` lines precede them. */
function decodeLines(label: string, bytes: Uint8Array, before: number, decoder: TextDecoder): string[] {
  try {
    return decoder.decode(bytes).split("\n");
  } catch {
    // Not UTF-8 somewhere (a line break is never part of a character, so some line is bad): decode line by
    // line, so the error names the line the bad byte is on.
    const out: string[] = [];
    let start = 0;
    for (;;) {
      const nl = bytes.indexOf(0x0a, start);
      out.push(decodeLine(label, bytes.subarray(start, nl < 0 ? bytes.length : nl), before + out.length + 1, decoder));
      if (nl < 0) return out;
      start = nl + 1;
    }
  }
}

/** A string as a byte stream (the browser app and tests hand sources their text). */
export function stringBytes(text: string): OpenBytes {
  return () => {
    const bytes = new TextEncoder().encode(text);
    return Promise.resolve(new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes);
        c.close();
      },
    }));
  };
}
