import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/** Slack signs each request; a timestamp further off than this (either way) is refused as a replay. */
export const MAX_CLOCK_SKEW_S = 300;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/**
 * Checks `X-Slack-Signature` (`v0=` + HMAC-SHA256 of `v0:{timestamp}:{raw body}`) on the raw bytes.
 * Pure: the clock is an argument, so tests need no waiting.
 */
export function verifySlackSignature(input: {
  signingSecret: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  nowMs: number;
}): SignatureCheck {
  const signature = single(input.headers["x-slack-signature"]);
  const timestamp = single(input.headers["x-slack-request-timestamp"]);
  if (!signature || !timestamp) return { ok: false, reason: "missing signature headers" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "malformed timestamp" };
  if (Math.abs(input.nowMs / 1000 - Number(timestamp)) > MAX_CLOCK_SKEW_S) {
    return { ok: false, reason: "timestamp more than 5 minutes off" };
  }
  const expected = Buffer.from(`v0=${signatureOf(input.signingSecret, timestamp, input.body)}`);
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "signature mismatch" };
  }
  return { ok: true };
}

/** The hex HMAC Slack sends after `v0=`; exported for fakes that sign like Slack. */
export function signatureOf(signingSecret: string, timestamp: string, body: Buffer | string): string {
  return createHmac("sha256", signingSecret).update(`v0:${timestamp}:`).update(body).digest("hex");
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
