// Size classes of the buffer pool: a geometric series, rounded to 16-byte
// multiples (so views stay aligned), from `minBytes` to `maxBytes`.
import { typeError } from '../core/errors';

export function geometricClasses(minBytes: number, maxBytes: number, ratio: number): number[] {
  const classes: number[] = [];
  for (let size = minBytes; size < maxBytes; size = Math.max(size + 16, Math.ceil((size * ratio) / 16) * 16)) classes.push(size);
  classes.push(maxBytes);
  return classes;
}

/** Checks a user's class list: ascending positive multiples of 8. */
export function checkClasses(where: string, classes: unknown): number[] {
  if (!Array.isArray(classes) || classes.length === 0 || classes.length > 256) {
    throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `${where} option "sizeClasses" must be a non-empty array of at most 256 sizes`);
  }
  classes.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 8 || c % 8 !== 0 || c > 2 ** 30 || (i > 0 && c <= classes[i - 1])) {
      throw typeError('ERR_ALLOCSCOPE_INVALID_OPTION', `${where} option "sizeClasses" must be ascending multiples of 8 from 8 to 1 GiB; entry ${i} is ${JSON.stringify(c)}`);
    }
  });
  return classes as number[];
}

/** Index of the smallest class that fits `size`, or -1 when none does. */
export function classFor(classes: readonly number[], size: number): number {
  let lo = 0, hi = classes.length - 1;
  if (size > classes[hi]!) return -1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (classes[mid]! >= size) hi = mid; else lo = mid + 1;
  }
  return lo;
}
