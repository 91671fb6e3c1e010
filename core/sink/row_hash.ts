// The hash of a row's text, kept per finished row in the shard's sidecar, so a resume can tell that the
// dataset changed under the output. 64 bits from two independently seeded 32-bit multiply-xor passes over the
// string's UTF-16 code units: runtime-neutral, synchronous, and fast enough for millions of rows.

/** 16 hex digits. Equal texts give equal hashes in every runtime; a changed text differs but for ~2^-64. */
export function textHash(text: string): string {
  const [a, b] = textHashWords(text);
  return hex(a) + hex(b);
}

const words = new Uint32Array(2);

/** textHash as its two 32-bit words, without building a string (a resume compares millions of rows). The array
 * is reused by the next call: read it at once. */
export function textHashWords(text: string): Uint32Array {
  let a = 0x9e3779b9 ^ text.length;
  let b = 0x85ebca6b ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0xcc9e2d51);
    a = (a << 15) | (a >>> 17);
    b = Math.imul(b ^ c, 0x1b873593);
    b = (b << 13) | (b >>> 19);
  }
  a = fmix(a ^ b);
  b = fmix(b ^ a);
  words[0] = a;
  words[1] = b;
  return words;
}

function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const hex = (n: number) => (n >>> 0).toString(16).padStart(8, "0");
