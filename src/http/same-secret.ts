import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Whether a presented secret equals the expected one, in time that does not depend on where they
 * differ (both are hashed first, so their lengths do not show either).
 */
export function sameSecret(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
