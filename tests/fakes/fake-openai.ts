import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One scripted answer of the fake model endpoint. */
export type FakeReply =
  | {
      kind: "text";
      text: string;
      /** Pieces the text is streamed in (default: about 4 characters each). */
      pieces?: string[];
      usage?: { prompt_tokens: number; completion_tokens: number } | null;
      reasoning?: string;
      delayMs?: number;
      /** Stop streaming after this many pieces until `until` settles (the answer is seen mid-stream). */
      pause?: { afterPieces: number; until: Promise<void> };
    }
  | { kind: "tools"; calls: { name: string; arguments: string; id?: string }[]; text?: string }
  | { kind: "status"; status: number; retryAfter?: string; message?: string }
  | { kind: "hang" }
  | {
      kind: "cut";
      text: string;
      /**
       * Wait until the text has been handed to the socket before cutting. Without
       * it the cut lands before the first chunk leaves, so the client sees no text.
       */
      flush?: boolean;
    };

export interface ChatRequestBody {
  model: string;
  messages: { role: string; content: unknown; tool_calls?: unknown[]; tool_call_id?: string }[];
  tools?: { function: { name: string } }[];
  stream?: boolean;
}

/**
 * A tiny OpenAI-compatible server on 127.0.0.1: `POST /v1/chat/completions`
 * (streamed) and `GET /v1/models`. Replies come from a script, then from
 * `fallback` (by default an echo of the last user message).
 */
export class FakeOpenAi {
  readonly requests: ChatRequestBody[] = [];
  readonly script: FakeReply[] = [];
  fallback: (body: ChatRequestBody) => FakeReply = (body) => ({ kind: "text", text: `echo: ${lastUserText(body)}` });
  /**
   * Awaited after a request is recorded and before it is answered: a test can
   * hold the model here (return a promise it resolves later).
   */
  beforeReply: ((body: ChatRequestBody) => Promise<void> | void) | undefined;
  /** Requests being answered right now (held, streaming or hanging), until their response closes. */
  readonly active = new Set<ChatRequestBody>();
  #server: Server | undefined;
  readonly #open = new Set<ServerResponse>();

  get url(): string {
    const address = this.#server?.address() as AddressInfo | undefined;
    if (!address) throw new Error("fake OpenAI server is not listening");
    return `http://127.0.0.1:${address.port}/v1`;
  }

  async start(port = 0): Promise<this> {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => this.#server?.listen(port, "127.0.0.1", resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.#open) res.destroy();
    const closed = new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    // Held requests (see beforeReply) and keep-alive sockets would otherwise keep close() waiting.
    this.#server?.closeAllConnections();
    await closed;
  }

  reply(...replies: FakeReply[]): this {
    this.script.push(...replies);
    return this;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method === "GET" && req.url?.endsWith("/models")) {
      json(res, 200, { object: "list", data: [{ id: "fake-model", object: "model" }] });
      return;
    }
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      json(res, 404, { error: { message: "not found" } });
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatRequestBody;
    this.requests.push(body);
    this.active.add(body);
    res.on("close", () => this.active.delete(body));
    await this.beforeReply?.(body);
    if (res.destroyed) return;
    const reply = this.script.shift() ?? this.fallback(body);
    await this.#send(res, body, reply);
  }

  async #send(res: ServerResponse, body: ChatRequestBody, reply: FakeReply): Promise<void> {
    if (reply.kind === "status") {
      const headers: Record<string, string> = {};
      if (reply.retryAfter !== undefined) headers["retry-after"] = reply.retryAfter;
      json(res, reply.status, { error: { message: reply.message ?? `status ${reply.status}`, type: "fake" } }, headers);
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    this.#open.add(res);
    res.on("close", () => this.#open.delete(res));
    if (reply.kind === "hang") return;
    const base = { id: "chatcmpl-fake", object: "chat.completion.chunk", created: 1, model: body.model };
    const event = (delta: object, finish: string | null = null, written?: () => void) =>
      res.write(
        `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
        written,
      );
    if (reply.kind === "cut") {
      if (reply.flush) {
        await new Promise<void>((resolve) => event({ role: "assistant", content: reply.text }, null, resolve));
      } else {
        event({ role: "assistant", content: reply.text });
      }
      res.destroy();
      return;
    }
    if (reply.kind === "tools") {
      if (reply.text) event({ role: "assistant", content: reply.text });
      reply.calls.forEach((call, index) => {
        const id = call.id ?? `call_${index}_${this.requests.length}`;
        event({ tool_calls: [{ index, id, type: "function", function: { name: call.name, arguments: "" } }] });
        const half = Math.ceil(call.arguments.length / 2);
        event({ tool_calls: [{ index, function: { arguments: call.arguments.slice(0, half) } }] });
        event({ tool_calls: [{ index, function: { arguments: call.arguments.slice(half) } }] });
      });
      event({}, "tool_calls");
      usage(res, base, { prompt_tokens: 10, completion_tokens: 5 });
      res.end("data: [DONE]\n\n");
      return;
    }
    if (reply.reasoning) event({ role: "assistant", reasoning_content: reply.reasoning });
    const pieces = reply.pieces ?? reply.text.match(/[\s\S]{1,4}/g) ?? [];
    for (const [index, piece] of pieces.entries()) {
      if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      if (reply.pause && index === reply.pause.afterPieces) {
        await reply.pause.until;
        if (res.destroyed) return;
      }
      event({ content: piece });
    }
    event({}, "stop");
    if (reply.usage !== null) usage(res, base, reply.usage ?? { prompt_tokens: 12, completion_tokens: 7 });
    res.end("data: [DONE]\n\n");
  }
}

function usage(res: ServerResponse, base: object, counts: { prompt_tokens: number; completion_tokens: number }) {
  res.write(
    `data: ${JSON.stringify({ ...base, choices: [], usage: { ...counts, total_tokens: counts.prompt_tokens + counts.completion_tokens } })}\n\n`,
  );
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

export function lastUserText(body: ChatRequestBody): string {
  const last = [...body.messages].reverse().find((message) => message.role === "user");
  return typeof last?.content === "string" ? last.content : JSON.stringify(last?.content ?? "");
}
