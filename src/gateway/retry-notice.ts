/**
 * What the user reads when the model endpoint asked for a long wait (a 429 or 503 with
 * `Retry-After` over 30 s): that the answer is coming, and when the next try is, in UTC.
 */
export function retryNotice(retryAt: number, delayMs: number): string {
  const at = new Date(retryAt).toISOString().slice(11, 16);
  const wait = delayMs < 90_000 ? `${Math.ceil(delayMs / 1000)} s` : `${Math.round(delayMs / 60_000)} minutes`;
  return `The model is busy and asked us to wait. I will try again at ${at} UTC (in ${wait}) and answer then.`;
}
