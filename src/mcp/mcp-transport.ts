import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { FetchLike, Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { McpTransportSettings } from "../config/mcp-settings.js";

/** The most one server message may be: a larger answer closes the connection instead of filling memory. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** The end of a child's stderr kept to explain why it failed. */
const STDERR_TAIL = 2000;

/** A transport and what it can tell about a failure (a child's last stderr lines). */
export interface OpenedTransport {
  transport: Transport;
  stderrTail(): string;
}

/**
 * A stdio child started with only the SDK's safe default variables plus its own `env_from` ones (the
 * gateway's tokens are not inherited), or a Streamable HTTP client, or (`sse`) the older HTTP+SSE one.
 */
export function openTransport(
  settings: McpTransportSettings,
  flavour: "streamable" | "sse" = "streamable",
): OpenedTransport {
  if (settings.kind === "stdio") {
    const transport = new StdioClientTransport({
      command: settings.command,
      args: settings.args,
      cwd: settings.cwd,
      env: { ...getDefaultEnvironment(), ...settings.env },
      stderr: "pipe",
      maxBufferSize: MAX_MESSAGE_BYTES,
    });
    let tail = "";
    transport.stderr?.on("data", (chunk: Buffer) => {
      tail = (tail + chunk.toString("utf8")).slice(-STDERR_TAIL);
    });
    return { transport, stderrTail: () => tail.trim() };
  }
  const url = new URL(settings.url);
  const requestInit = { headers: settings.headers };
  const transport =
    flavour === "sse"
      ? new SSEClientTransport(url, { requestInit, fetch: cappedFetch })
      : new StreamableHTTPClientTransport(url, { requestInit, fetch: cappedFetch });
  return { transport, stderrTail: () => "" };
}

/**
 * `fetch` that fails a response body larger than {@link MAX_MESSAGE_BYTES}, counted as it is read, whatever
 * Content-Length claims. Only POST answers (one per request); the long-lived GET stream is left alone.
 */
const cappedFetch: FetchLike = async (url, init) => {
  const response = await fetch(url, init);
  if ((init?.method ?? "GET").toUpperCase() !== "POST" || !response.body) return response;
  let seen = 0;
  const counted = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > MAX_MESSAGE_BYTES)
          controller.error(new Error(`the server's answer exceeded ${MAX_MESSAGE_BYTES} bytes`));
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
};
