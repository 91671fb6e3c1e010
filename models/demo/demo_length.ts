// The demo T2S's stopping rule. Random weights have no notion of when a sentence is said: left alone they end
// at a random step or run to the 30 s limit. Demo rows therefore end after the semantic tokens the text would
// take at the configured characters per second (25 tokens a second), unless the model samples its end token
// sooner, so longer texts give longer audio, as speech data does. Trained models never get this rule.

/** WhisperSpeech's semantic token rate: 750 tokens for 30 s. */
const SEMANTIC_TOKENS_PER_SECOND = 25;

/** Semantic tokens a demo row of `text` may have at `cps` characters per second. */
export function demoSemanticTokens(text: string, cps: number): number {
  const chars = [...text.trim()].length;
  return Math.max(1, Math.round((SEMANTIC_TOKENS_PER_SECOND * chars) / Math.max(1, cps)));
}
