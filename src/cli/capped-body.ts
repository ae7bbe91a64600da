/**
 * A response body as text, read up to `maxBytes` (counted while reading,
 * whatever Content-Length claims); undefined when it is longer. Used for the
 * small JSON answers the CLI asks for (getMe, auth.test, /healthz).
 */
export async function readCapped(response: Response, maxBytes = 1024 * 1024): Promise<string | undefined> {
  if (!response.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      await response.body.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** {@link readCapped}, parsed as JSON; undefined when too long or not JSON. */
export async function readCappedJson(response: Response, maxBytes?: number): Promise<unknown> {
  const text = await readCapped(response, maxBytes);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
