import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { McpServerConfig } from "../config/mcp-settings.js";
import type { Logger } from "../logger.js";
import { McpServerError } from "./mcp-errors.js";
import type { OpenedTransport } from "./mcp-transport.js";

type Sdk = typeof import("./mcp-sdk.js");

/** One tool as its server lists it; the schema is kept exactly as given. */
export interface McpToolInfo {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  /** The server marks it as changing nothing (`annotations.readOnlyHint`): it runs without asking by default. */
  readOnly: boolean;
}

export type McpServerState = "idle" | "connecting" | "connected" | "failed" | "closed";

export interface McpServerStatus {
  name: string;
  state: McpServerState;
  /** Why it is not connected (secret values removed). */
  error?: string;
  tools: readonly McpToolInfo[];
}

const CONNECT_TIMEOUT_MS = 30_000;
const BACKOFF_BASE_MS = 1000;
const BACKOFF_MAX_MS = 60_000;
const MAX_TOOLS = 500;

/**
 * The gateway's connection to one MCP server: connects on first need, keeps the tool list (refreshed on
 * `notifications/tools/list_changed`), reconnects with backoff when the server dies, and closes on demand.
 * A failure here never escapes as a crash: callers see a state, an error text or a rejected call.
 */
export class McpConnection {
  readonly config: McpServerConfig;
  readonly #logger: Logger;
  readonly #scrub: (text: string) => string;
  #client: Client | undefined;
  /** A client still connecting: closed too when the gateway shuts down meanwhile (its child must not linger). */
  #opening: Client | undefined;
  #opened: OpenedTransport | undefined;
  #state: McpServerState = "idle";
  #error: string | undefined;
  #tools: McpToolInfo[] = [];
  #connecting: Promise<void> | undefined;
  #retry: NodeJS.Timeout | undefined;
  #failures = 0;
  #sdk: Sdk | undefined;

  constructor(config: McpServerConfig, logger: Logger, scrub: (text: string) => string) {
    this.config = config;
    this.#logger = logger;
    this.#scrub = scrub;
  }

  status(): McpServerStatus {
    return {
      name: this.config.name,
      state: this.#state,
      ...(this.#error ? { error: this.#error } : {}),
      tools: this.#tools,
    };
  }

  /** Connects unless connected or waiting out a backoff; resolves when that attempt has ended either way. */
  async ensure(): Promise<void> {
    if (this.#state === "idle") this.#connecting ??= this.#connect();
    await this.#connecting;
  }

  /** Calls one tool, bounded by the server's timeout and the turn's signal. */
  async callTool(name: string, args: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult> {
    const client = this.#client;
    const server = this.config.name;
    if (!client || this.#state !== "connected") {
      throw new McpServerError(
        "MCP_UNAVAILABLE",
        server,
        `the server "${server}" is not connected${this.#error ? ` (${this.#error})` : ""}`,
      );
    }
    const timeout = this.config.timeoutMs;
    try {
      return (await client.callTool({ name, arguments: args }, undefined, {
        signal,
        timeout,
        maxTotalTimeout: timeout,
      })) as CallToolResult;
    } catch (error) {
      throw this.#callFailure(error, signal);
    }
  }

  /** Closes the connection (and a stdio child) for good. */
  async close(): Promise<void> {
    this.#state = "closed";
    clearTimeout(this.#retry);
    const clients = [this.#client, this.#opening];
    this.#client = undefined;
    this.#opening = undefined;
    await Promise.all(clients.map((client) => client?.close().catch(() => undefined)));
  }

  async #connect(): Promise<void> {
    const { name, missing } = this.config;
    this.#state = "connecting";
    try {
      if (missing.length > 0) throw new Error(`${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not set`);
      const sdk = await this.#loadSdk();
      const client = await this.#open(sdk, "streamable").catch(async (error: unknown) => {
        // A server that only speaks the older HTTP+SSE transport answers the Streamable POST with 4xx.
        if (
          !(error instanceof sdk.StreamableHTTPError) ||
          error.code === undefined ||
          error.code < 400 ||
          error.code >= 500
        ) {
          throw error;
        }
        return this.#open(sdk, "sse");
      });
      if (this.#closed()) {
        await client.close().catch(() => undefined);
        return;
      }
      this.#client = client;
      await this.#refresh(client);
      this.#state = "connected";
      this.#error = undefined;
      this.#failures = 0;
      this.#logger.info({ server: name, tools: this.#tools.length }, "MCP server connected");
    } catch (error) {
      const detail = this.#describe(error);
      await this.#client?.close().catch(() => undefined);
      this.#client = undefined;
      this.#fail(`could not connect: ${detail}`);
    } finally {
      this.#connecting = undefined;
    }
  }

  async #loadSdk(): Promise<Sdk> {
    this.#sdk ??= await import("./mcp-sdk.js");
    return this.#sdk;
  }

  async #open(sdk: Sdk, flavour: "streamable" | "sse"): Promise<Client> {
    const opened = sdk.openTransport(this.config.transport, flavour);
    const client: Client = new sdk.Client(
      { name: "chat-gateway", version: "0.1.0" },
      {
        capabilities: {},
        listChanged: {
          tools: {
            autoRefresh: false,
            debounceMs: 100,
            onChanged: () => {
              this.#refresh(client).catch((error: unknown) =>
                this.#logger.warn(
                  { server: this.config.name, error: this.#describe(error) },
                  "MCP tool list refresh failed",
                ),
              );
            },
          },
        },
      },
    );
    client.onclose = () => this.#lost(client);
    client.onerror = (error) =>
      this.#logger.debug({ server: this.config.name, error: this.#describe(error) }, "MCP transport error");
    this.#opened = opened;
    this.#opening = client;
    try {
      await client.connect(opened.transport, { timeout: CONNECT_TIMEOUT_MS });
    } catch (error) {
      await client.close().catch(() => undefined);
      // A child that printed why it stopped says more than "Connection closed".
      const tail = opened.stderrTail().split("\n").at(-1);
      throw tail
        ? new Error(`${(error as Error)?.message ?? String(error)} (stderr: ${tail})`, { cause: error })
        : error;
    } finally {
      if (this.#opening === client) this.#opening = undefined;
    }
    return client;
  }

  /** Reads the whole tool list, page by page (bounded), and replaces the cached one. */
  async #refresh(client: Client): Promise<void> {
    const tools: McpToolInfo[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : {}, { timeout: CONNECT_TIMEOUT_MS });
      for (const tool of page.tools) {
        tools.push({
          name: tool.name,
          description: tool.description ?? tool.title ?? "",
          inputSchema: tool.inputSchema as Record<string, unknown>,
          readOnly: tool.annotations?.readOnlyHint === true,
        });
      }
      cursor = page.nextCursor;
    } while (cursor && tools.length < MAX_TOOLS);
    if (client === this.#client || this.#client === undefined) this.#tools = tools.slice(0, MAX_TOOLS);
  }

  /** The connection ended without us closing it: the server died or hung up. Reconnect after a backoff. */
  #lost(client: Client): void {
    if (client !== this.#client || this.#state === "closed") return;
    this.#client = undefined;
    const tail = this.#opened?.stderrTail();
    this.#fail(`the server closed the connection${tail ? `: ${this.#scrub(tail.split("\n").at(-1) ?? "")}` : ""}`);
  }

  #fail(error: string): void {
    if (this.#state === "closed") return;
    this.#state = "failed";
    this.#error = error;
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.#failures);
    this.#failures++;
    this.#logger.warn({ server: this.config.name, error, retryInMs: delay }, "MCP server unavailable");
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      if (this.#state !== "failed") return;
      this.#state = "idle";
      this.ensure().catch(() => undefined);
    }, delay);
    this.#retry.unref();
  }

  #callFailure(error: unknown, signal: AbortSignal): McpServerError {
    const server = this.config.name;
    if (signal.aborted) return new McpServerError("MCP_CANCELLED", server, "the call was cancelled", { cause: error });
    const sdk = this.#sdk;
    const mcpCode = sdk && error instanceof sdk.McpError ? error.code : undefined;
    if (mcpCode !== undefined && mcpCode === sdk?.ErrorCode.RequestTimeout) {
      return new McpServerError(
        "MCP_TIMEOUT",
        server,
        `no answer after ${Math.round(this.config.timeoutMs / 1000)} s; the call was cancelled, but the tool may have done part of its work`,
        { cause: error },
      );
    }
    if (mcpCode !== undefined && mcpCode === sdk?.ErrorCode.ConnectionClosed) {
      return new McpServerError(
        "MCP_CLOSED",
        server,
        "the server closed the connection during the call; it may or may not have run",
        {
          cause: error,
        },
      );
    }
    // The SDK rejects a result that fails its schema with the zod error itself.
    if (error instanceof Error && Array.isArray((error as { issues?: unknown }).issues)) {
      return new McpServerError("MCP_MALFORMED", server, "the server sent a malformed tool result", { cause: error });
    }
    return new McpServerError("MCP_FAILED", server, this.#describe(error), { cause: error });
  }

  /** Read through a method: TypeScript would narrow the field across the awaits above. */
  #closed(): boolean {
    return this.#state === "closed";
  }

  #describe(error: unknown): string {
    const text = error instanceof Error ? error.message : String(error);
    return this.#scrub(text.replace(/\s+/g, " ").trim().slice(0, 300));
  }
}
