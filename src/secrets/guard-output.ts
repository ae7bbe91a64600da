import { redactSecrets } from "./secret-registry.js";

type Write = typeof process.stdout.write;

/**
 * Sends everything this process writes to stdout and stderr through the
 * secret registry: our logs are redacted at their stream already, this also
 * covers what libraries print with `console` and any text a command prints.
 * Installed once, by the CLI entry point.
 */
export function guardProcessOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    const guarded = (chunk: unknown, ...rest: unknown[]): boolean =>
      write(typeof chunk === "string" ? redactSecrets(chunk) : redactBytes(chunk), ...rest);
    stream.write = guarded as Write;
  }
}

function redactBytes(chunk: unknown): unknown {
  if (!(chunk instanceof Uint8Array)) return chunk;
  const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("utf8");
  const clean = redactSecrets(text);
  return clean === text ? chunk : Buffer.from(clean, "utf8");
}
