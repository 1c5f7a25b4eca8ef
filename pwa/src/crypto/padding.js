// Padding plaintexts to size buckets (spec §6): P || 0x80 || 0x00... up to the next bucket.

import { FormatError } from './errors.js';
import { isBytes } from './encoding.js';

export const MIN_BUCKET = 256;
export const LARGE_STEP = 64 * 1024;
export const MAX_PADDED = 16 * 1024 * 1024;

/** True when `size` is an allowed padded size: 256, 512, ..., 65536, then multiples of 65536 up to 16 MiB. */
export function isBucketSize(size) {
  if (!Number.isInteger(size) || size < MIN_BUCKET || size > MAX_PADDED) return false;
  if (size <= LARGE_STEP) return (size & (size - 1)) === 0;
  return size % LARGE_STEP === 0;
}

/** The padded size for a plaintext of `length` bytes (the smallest bucket >= length + 1). */
export function bucketSize(length) {
  if (!Number.isInteger(length) || length < 0) throw new FormatError('length must be a non-negative integer');
  const needed = length + 1;
  if (needed > MAX_PADDED) throw new FormatError('plaintext too large');
  if (needed <= LARGE_STEP) {
    let size = MIN_BUCKET;
    while (size < needed) size *= 2;
    return size;
  }
  return Math.ceil(needed / LARGE_STEP) * LARGE_STEP;
}

/** Pad `data` to its bucket: append 0x80 then zero bytes. */
export function pad(data) {
  if (!isBytes(data)) throw new FormatError('data must be bytes');
  const out = new Uint8Array(bucketSize(data.length));
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/** Remove padding; FormatError unless the length is a bucket and the padding is well formed. */
export function unpad(padded) {
  if (!isBytes(padded)) throw new FormatError('padded data must be bytes');
  if (!isBucketSize(padded.length)) throw new FormatError('padded length is not a bucket size');
  let end = padded.length;
  while (end > 0 && padded[end - 1] === 0) end -= 1;
  if (end === 0 || padded[end - 1] !== 0x80) throw new FormatError('bad padding');
  return padded.slice(0, end - 1);
}
