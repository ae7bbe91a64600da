import { randomBytes } from "node:crypto";

const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

/** A short random id such as `s_7f3k2a`: easy to type, unique enough per database (checked on insert). */
export function shortId(prefix: string, length = 6): string {
  const bytes = randomBytes(length);
  let id = "";
  for (const byte of bytes) id += alphabet[byte % alphabet.length];
  return `${prefix}_${id}`;
}

/** A clock in epoch milliseconds; tests pass a fake one. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
