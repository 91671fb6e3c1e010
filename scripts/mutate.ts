// Seeded byte-level mutations shared by the fuzzer (scripts/fuzz.ts) and the checkpoint fuzz test: truncate,
// flip bytes, insert junk, overwrite a 4-byte field with an extreme value, duplicate a slice.

export function rng(seed: number) {
  return () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

export function mutate(src: Uint8Array, r: () => number): Uint8Array {
  const b = src.slice();
  switch (Math.floor(r() * 5)) {
    case 0:
      return b.subarray(0, Math.floor(r() * b.length));
    case 1:
      for (let i = 0, n = 1 + Math.floor(r() * 8); i < n; i++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      return b;
    case 2: {
      const at = Math.floor(r() * b.length);
      const junk = Uint8Array.from({ length: 1 + Math.floor(r() * 16) }, () => Math.floor(r() * 256));
      const out = new Uint8Array(b.length + junk.length);
      out.set(b.subarray(0, at));
      out.set(junk, at);
      out.set(b.subarray(at), at + junk.length);
      return out;
    }
    case 3: {
      const at = Math.floor(r() * b.length);
      b.set([0xff, 0xff, 0xff, 0x7f].slice(0, Math.max(0, b.length - at)), at);
      return b;
    }
    default: { // duplicate a slice (repeats structure, e.g. lines, chunks)
      const s = Math.floor(r() * b.length), e = Math.min(b.length, s + Math.floor(r() * 64));
      const out = new Uint8Array(b.length + (e - s));
      out.set(b.subarray(0, e));
      out.set(b.subarray(s), e);
      return out;
    }
  }
}
