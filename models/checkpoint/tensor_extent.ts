// Checks a strided view (shape, stride, offset) against its storage before anything is read or allocated:
// integer, non-negative extents computed without overflow, the last element inside the storage, and the
// broadcast rule of limits.ts. Returns the element count and whether the view is a plain contiguous slice.
import { ModelError } from "../../core/errors.ts";
import { CHECKPOINT_LIMITS } from "./limits.ts";

export interface ViewPlan {
  numel: number;
  contiguous: boolean;
}

export function planView(
  label: string,
  name: string,
  view: { offset: unknown; shape: readonly unknown[]; stride: readonly unknown[] },
  storageElements: number,
): ViewPlan {
  const refuse = (why: string): never => {
    throw new ModelError(`${label}: checkpoint refused: tensor ${name || "(top level)"} ${why}`);
  };
  const { offset, shape, stride } = view;
  if (!isCount(offset)) refuse(`has a bad storage offset (${String(offset)}); expected a non-negative integer`);
  if (shape.length !== stride.length) refuse(`has ${shape.length} sizes but ${stride.length} strides`);
  shape.forEach((d, i) => isCount(d) || refuse(`has a bad size ${String(d)} in dimension ${i} (sizes are non-negative integers)`));
  stride.forEach((s, i) => isCount(s) || refuse(`has a bad stride ${String(s)} in dimension ${i} (strides are non-negative integers)`));
  const sizes = shape as number[], strides = stride as number[];
  // BigInt: the products of attacker-chosen sizes overflow doubles long before they are refused.
  let numel = 1n, last = BigInt(offset as number), expected = 1n, contiguous = true;
  for (let d = sizes.length - 1; d >= 0; d--) {
    const n = BigInt(sizes[d]);
    numel *= n;
    if (n > 0n) last += (n - 1n) * BigInt(strides[d]);
    if (n !== 1n && BigInt(strides[d]) !== expected) contiguous = false;
    expected *= n;
  }
  if (numel === 0n) return { numel: 0, contiguous: true };
  if (last >= BigInt(storageElements)) {
    refuse(`reaches element ${last} of a storage of ${storageElements} (shape [${sizes}], stride [${strides}], offset ${offset})`);
  }
  if (numel > BigInt(storageElements) && numel > BigInt(CHECKPOINT_LIMITS.broadcastElements)) {
    refuse(`shows ${numel} elements of a storage of ${storageElements} through zero or overlapping strides ` +
      `(shape [${sizes}], stride [${strides}]); such broadcasts are allowed up to ${CHECKPOINT_LIMITS.broadcastElements} elements`);
  }
  return { numel: Number(numel), contiguous };
}

function isCount(v: unknown): boolean {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}
