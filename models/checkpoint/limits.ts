// Resource budgets for reading a checkpoint. A torch.save state dict costs about 22 pickle objects, 2 reachable
// elements and 52 bytes of strings per tensor (measured: a full-size EnCodec 24 kHz checkpoint, 252 tensors, builds
// 5,475 objects, reaches 504 elements, materialises 13 KB; the demo T2S 2,191 / 236 / 4.8 KB for 102 tensors), so
// the budgets leave room for some 230,000 tensors, while every "billion laughs" or stride bomb crosses one long
// before it can allocate much.
export const CHECKPOINT_LIMITS = {
  /** Values the pickle program builds (and the most its stack may hold). */
  objects: 5_000_000,
  /**
   * Container elements reachable from the top object, a memo reference counted each time it is used (a list
   * holding the same list twice counts that list's elements twice), plus elements copied by list()/tuple()/set().
   */
  elements: 2_000_000,
  /** Bytes of strings and bytes objects the pickle materialises (a memoised string re-encoded counts each time). */
  bytes: 64 * 2 ** 20,
  /** Nesting depth of containers (also what stops a container that holds itself). */
  depth: 64,
  /**
   * Rule for zero or overlapping strides: a view may show more elements than its storage holds (a broadcast)
   * only up to this many elements; larger broadcasts are refused, never expanded.
   */
  broadcastElements: 2 ** 20,
  /** Bytes copied to gather non-contiguous views, over the whole file: this much beyond the file's own size. */
  gatherSlackBytes: 64 * 2 ** 20,
  /** Longest dotted tensor name. */
  nameChars: 4096,
} as const;
