// Text side of T2S: UTF-8 bytes in 550 slots ([0, bytes..., 0...], at most 549 bytes), the cps bin, and
// long text. The original silently crops past 549 bytes (possibly mid-character); we split at sentence,
// then word, then character boundaries (or truncate / fail, as configured).
import { InputError } from "../../core/errors.ts";

export const TEXT_SLOTS = 550;
export const MAX_TEXT_BYTES = TEXT_SLOTS - 1;
/** Seconds of speech one T2S run can hold (749 semantic tokens at 25/s is 30 s); pieces aim below it. */
const PIECE_SECONDS = 27;

export type LongText = "split" | "truncate" | "fail";

const enc = new TextEncoder();
const bytesOf = (s: string) => enc.encode(s).length;

/** As WhisperSpeech's pipeline: newlines become spaces, then the text is stripped. */
export function normalizeText(text: string): string {
  return text.replaceAll("\n", " ").trim();
}

/** `[0, b1..bn, 0...]` (550 slots). */
export function textSlots(text: string): Int32Array {
  const bytes = enc.encode(text);
  if (bytes.length > MAX_TEXT_BYTES) throw new RangeError(`text of ${bytes.length} bytes passed to textSlots`);
  const out = new Int32Array(TEXT_SLOTS);
  out.set(bytes, 1);
  return out;
}

/** min(bins - 1, trunc(cps / 20 * bins)), as upstream (bins = 32). */
export function cpsBin(cps: number, bins = 32): number {
  return Math.max(0, Math.min(bins - 1, Math.trunc((cps / 20) * bins)));
}

/** The longest prefix of `text` within `maxBytes` that does not cut a character. */
function cutBytes(text: string, maxBytes: number): string {
  let used = 0, end = 0;
  for (const ch of text) {
    const b = bytesOf(ch);
    if (used + b > maxBytes) break;
    used += b;
    end += ch.length;
  }
  return text.slice(0, end);
}

/**
 * The pieces one row is synthesized in. A piece holds at most 549 bytes and, at `cps` characters per
 * second, at most ~27 s of speech, so the 30 s decoder limit does not cut it short.
 */
export function splitText(raw: string, mode: LongText, cps: number, where = "text"): string[] {
  const text = normalizeText(raw);
  if (!text) throw new InputError(`${where}: empty text`);
  const maxChars = Math.max(16, Math.floor(cps * PIECE_SECONDS));
  const fits = (s: string) => bytesOf(s) <= MAX_TEXT_BYTES && [...s].length <= maxChars;
  if (bytesOf(text) <= MAX_TEXT_BYTES && (mode !== "split" || fits(text))) return [text];
  if (mode === "fail") {
    throw new InputError(`${where}: text is ${bytesOf(text)} bytes; WhisperSpeech takes at most ${MAX_TEXT_BYTES} (long_text: fail)`);
  }
  if (mode === "truncate") return [cutBytes(text, MAX_TEXT_BYTES).trim()];
  const pieces: string[] = [];
  let current = "";
  const push = (unit: string) => {
    const joined = current ? `${current} ${unit}` : unit;
    if (fits(joined)) current = joined;
    else {
      if (current) pieces.push(current);
      current = unit;
    }
  };
  for (const sentence of text.split(/(?<=[.!?;…。！？])\s+/u)) {
    if (fits(sentence)) push(sentence);
    else {
      for (const word of sentence.split(/\s+/u)) {
        let rest = word;
        while (!fits(rest)) { // a "word" longer than a piece: cut at characters
          const head = cutBytes([...rest].slice(0, maxChars).join(""), MAX_TEXT_BYTES);
          push(head);
          rest = rest.slice(head.length);
        }
        if (rest) push(rest);
      }
    }
  }
  if (current) pieces.push(current);
  return pieces;
}
