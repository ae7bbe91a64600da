/**
 * Downloads a platform file with every bound in place, whatever the platform claimed about it: bytes
 * are counted while they arrive and the transfer is cut one byte past the limit (a `file_size` or a
 * `Content-Length` can be wrong or missing), redirects are followed only to the platform's own
 * origins (credentials go nowhere else, and no other host is fetched at all), and one time limit
 * covers the whole exchange.
 */

export interface DownloadOptions {
  maxBytes: number;
  timeoutMs: number;
  /** Origins (`https://files.slack.com`) the URL and every redirect must stay on. */
  origins: ReadonlySet<string>;
  headers?: Record<string, string>;
  maxRedirects?: number;
}

export type DownloadResult =
  | { ok: true; bytes: Buffer }
  | { ok: false; reason: "too-big" | "refused" | "failed"; detail: string };

/** Fetches `url` within the bounds of `options`; never throws. */
export async function boundedDownload(url: string, options: DownloadOptions): Promise<DownloadResult> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let target = url;
  try {
    for (let redirects = 0; ; redirects++) {
      const origin = URL.canParse(target) ? new URL(target).origin : undefined;
      if (origin === undefined || !options.origins.has(origin)) {
        return { ok: false, reason: "refused", detail: `not a platform host: ${origin ?? "an invalid URL"}` };
      }
      const response = await fetch(target, { headers: options.headers ?? {}, redirect: "manual", signal });
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        if (redirects >= (options.maxRedirects ?? 3))
          return { ok: false, reason: "failed", detail: "too many redirects" };
        target = new URL(location, target).href;
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        return { ok: false, reason: "failed", detail: `HTTP ${response.status}` };
      }
      return await readCounted(response, options.maxBytes);
    }
  } catch (error) {
    const detail = signal.aborted ? `no answer within ${options.timeoutMs / 1000} s` : (error as Error).message;
    return { ok: false, reason: "failed", detail };
  }
}

async function readCounted(response: Response, maxBytes: number): Promise<DownloadResult> {
  const tooBig = { ok: false, reason: "too-big", detail: `more than ${maxBytes} bytes` } as const;
  if (Number(response.headers.get("content-length") ?? 0) > maxBytes) {
    await response.body?.cancel();
    return tooBig;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  if (!reader) return { ok: true, bytes: Buffer.alloc(0) };
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return tooBig;
    }
    chunks.push(value);
  }
  return { ok: true, bytes: Buffer.concat(chunks) };
}
