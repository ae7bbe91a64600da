import { z } from "zod";
import {
  AcceptError,
  type ChannelAdapter,
  ChannelError,
  type ChannelHost,
  type ChannelLimits,
  type ChannelStatus,
  type OutboundMessage,
} from "../../src/gateway/channel.js";
import { HttpError, parseJson } from "../../src/http/http-server.js";

const inboundSchema = z.object({
  conversation: z.string().min(1).max(256),
  sender: z.string().min(1).max(256),
  name: z.string().max(256).optional(),
  text: z.string().max(100_000),
  message_id: z.string().min(1).max(128).optional(),
  reply_to: z.string().min(1).max(128).optional(),
  delivery_key: z.string().min(1).max(256).optional(),
  group: z.boolean().optional(),
});

/**
 * A channel over plain HTTP, for tests, benchmarks and simple integrations:
 * messages come in as `POST /loopback/messages`, replies go out as POSTs to
 * `{outboundUrl}/send`, `/edit` and `/delete`. It behaves like a platform:
 * 429 with `retry_after`, 5xx transient, other 4xx permanent.
 */
export class LoopbackAdapter implements ChannelAdapter {
  readonly name = "loopback";
  readonly limits: ChannelLimits = {
    maxMessageLength: 4000,
    editIntervalMs: 300,
    sendIntervalMs: 0,
    format: "markdown",
    previews: true,
    commandPrefix: "/",
    // A local integration point: whoever can reach HOST:PORT is trusted, like the terminal.
    access: "open",
  };
  readonly #outboundUrl: string;
  #state: ChannelStatus = { state: "stopped" };

  constructor(options: { outboundUrl: string }) {
    this.#outboundUrl = options.outboundUrl.replace(/\/+$/, "");
  }

  async start(host: ChannelHost): Promise<void> {
    host.route("POST", "/loopback/messages", async (request) => {
      if (this.#state.state !== "running") throw new HttpError(503, "the channel is stopped");
      const parsed = inboundSchema.safeParse(parseJson(request));
      if (!parsed.success) throw new HttpError(400, `bad message: ${parsed.error.issues[0]?.message ?? "invalid"}`);
      const body = parsed.data;
      const messageId = body.message_id;
      try {
        const result = await host.accept({
          channel: this.name,
          conversationKey: `loopback:${body.conversation}`,
          sender: { id: body.sender, ...(body.name ? { name: body.name } : {}) },
          text: body.text,
          addressed: true,
          ...(messageId ? { platformMessageId: messageId } : {}),
          ...(body.reply_to ? { replyToMessageId: body.reply_to } : {}),
          deliveryKeys: [
            ...(body.delivery_key ? [`loopback:delivery:${body.delivery_key}`] : []),
            ...(messageId ? [`loopback:message:${body.conversation}:${messageId}`] : []),
          ],
          chat: { id: body.conversation, group: body.group ?? false },
        });
        return {
          status: 200,
          body:
            result.status === "accepted"
              ? { status: "accepted", session_id: result.sessionId, queued: result.queued }
              : result,
        };
      } catch (error) {
        if (error instanceof AcceptError) throw new HttpError(503, "not stored; try again");
        throw error;
      }
    });
    this.#state = { state: "running" };
  }

  async stop(): Promise<void> {
    this.#state = { state: "stopped" };
  }

  status(): ChannelStatus {
    return this.#state;
  }

  async send(message: OutboundMessage): Promise<{ messageId: string }> {
    const body = await this.#call("send", {
      conversation: conversationOf(message.conversationKey),
      text: message.text,
      reply_to: message.replyToMessageId ?? null,
      outbox_id: message.outboxId ?? null,
    });
    const id = (body as { message_id?: unknown }).message_id;
    if (typeof id !== "string" && typeof id !== "number")
      throw new ChannelError("TRANSIENT", "send returned no message_id");
    return { messageId: String(id) };
  }

  async edit(conversationKey: string, messageId: string, text: string): Promise<void> {
    await this.#call("edit", { conversation: conversationOf(conversationKey), message_id: messageId, text });
  }

  async delete(conversationKey: string, messageId: string): Promise<void> {
    await this.#call("delete", { conversation: conversationOf(conversationKey), message_id: messageId });
  }

  /** A trigger's result posted to `loopback:x` starts the thread `loopback:x:<message_id>`, where replies continue it. */
  threadKey(conversationKey: string, messageId: string): string {
    return `${conversationKey}:${messageId}`;
  }

  async #call(method: string, payload: object): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.#outboundUrl}/${method}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new ChannelError("TRANSIENT", `${method}: ${(error as Error).message}`, { cause: error });
    }
    const text = await response.text();
    const body = safeJson(text);
    if (response.ok) return body;
    if (response.status === 429) {
      const seconds = Number(
        (body as { retry_after?: unknown }).retry_after ?? response.headers.get("retry-after") ?? 1,
      );
      throw new ChannelError("RATE_LIMITED", `${method}: 429`, { retryAfterMs: Math.max(0, seconds * 1000) });
    }
    const code = response.status >= 500 ? "TRANSIENT" : "PERMANENT";
    throw new ChannelError(code, `${method}: ${response.status} ${text.slice(0, 200)}`);
  }
}

function conversationOf(conversationKey: string): string {
  return conversationKey.replace(/^loopback:/, "");
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return {};
  }
}
