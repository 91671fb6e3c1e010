// ichigo's string form of a token sequence, as its training data stores it:
// "<|sound_start|><|sound_0123|><|sound_0007|>...<|sound_end|>" (each token as four digits).
export function soundTokens(tokens: ArrayLike<number>): string {
  let out = "<|sound_start|>";
  for (let i = 0; i < tokens.length; i++) out += `<|sound_${String(tokens[i]).padStart(4, "0")}|>`;
  return out + "<|sound_end|>";
}
