import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One message the gateway posted to the platform, with every text it has had. */
export interface PlatformMessage {
  id: string;
  conversation: string;
  replyTo: string | null;
  outboxId: number | null;
  /** The text it was sent with, then one entry per edit. */
  texts: string[];
  deleted: boolean;
  /** Which "life" of the gateway sent it (see {@link FakeLoopbackPlatform.generation}). */
  generation: number;
}

/** What `failNext` makes the platform answer once: an HTTP status, with `retry_after` seconds for a 429. */
export interface LoopbackFailure {
  status: number;
  retryAfter?: number;
}

/** One successful `/send`, in the order received. */
export interface SentMessage {
  conversation: string;
  text: string;
  messageId: string;
  replyTo: string | null;
  outboxId: number | null;
}

export interface PlatformCall {
  method: "send" | "edit" | "delete";
  conversation: string;
  messageId: string;
  text: string | null;
  generation: number;
}

/**
 * The far side of the loopback channel on 127.0.0.1: `POST /send` answers
 * `{message_id}`, `/edit` and `/delete` change a recorded message. Unknown
 * message ids on edit or delete answer 400, as a real platform would;
 * `failNext` makes the next call fail with a status (429 with `retry_after`).
 */
export class FakeLoopbackPlatform {
  /** Successful sends, in order. */
  readonly sent: SentMessage[] = [];
  /** What each message shows now; a deleted message is removed. */
  readonly current = new Map<string, string>();
  /** Every message with its history of texts (deleted ones stay, flagged). */
  readonly messages = new Map<string, PlatformMessage>();
  readonly calls: PlatformCall[] = [];
  /** Bumped by tests when they restart the gateway, so calls can be told apart by process. */
  generation = 0;
  /**
   * How the platform treats one send: answer it late (the message is shown at
   * once, the reply with its id comes after `delayMs`) or refuse it with `status`.
   */
  sendBehaviour:
    | ((send: Omit<SentMessage, "messageId">) => { delayMs?: number; status?: number } | undefined)
    | undefined;
  #server: Server | undefined;
  #next = 1;
  readonly #failures: LoopbackFailure[] = [];

  get url(): string {
    const address = this.#server?.address() as AddressInfo | undefined;
    if (!address) throw new Error("fake loopback platform is not listening");
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** The next call (send, edit or delete) fails with this status instead. */
  failNext(failure: LoopbackFailure): void {
    this.#failures.push(failure);
  }

  /** The messages not deleted, with their current text, in the order they were sent. */
  live(conversation?: string): { message: PlatformMessage; text: string }[] {
    return [...this.messages.values()]
      .filter((message) => !message.deleted && (conversation === undefined || message.conversation === conversation))
      .map((message) => ({ message, text: message.texts.at(-1) ?? "" }));
  }

  edits(): PlatformCall[] {
    return this.calls.filter((call) => call.method === "edit");
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
    const conversation = String(body.conversation ?? "");
    const generation = this.generation;
    const failure = this.#failures.shift();
    if (failure) {
      const retry = failure.retryAfter === undefined ? {} : { retry_after: failure.retryAfter };
      json(res, failure.status, { ok: false, error: `failed with ${failure.status}`, ...retry });
      return;
    }
    if (req.method === "POST" && req.url === "/send") {
      const id = `pm${this.#next++}`;
      const text = String(body.text ?? "");
      const replyTo = typeof body.reply_to === "string" ? body.reply_to : null;
      const outboxId = typeof body.outbox_id === "number" ? body.outbox_id : null;
      const behaviour = this.sendBehaviour?.({ conversation, text, replyTo, outboxId });
      if (behaviour?.status !== undefined) {
        json(res, behaviour.status, { ok: false, error: `refused with ${behaviour.status}` });
        return;
      }
      this.messages.set(id, { id, conversation, replyTo, outboxId, texts: [text], deleted: false, generation });
      this.sent.push({ conversation, text, messageId: id, replyTo, outboxId });
      this.current.set(id, text);
      this.calls.push({ method: "send", conversation, messageId: id, text, generation });
      if (behaviour?.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
      json(res, 200, { ok: true, message_id: id });
      return;
    }
    if (req.method === "POST" && (req.url === "/edit" || req.url === "/delete")) {
      const id = String(body.message_id ?? "");
      const message = this.messages.get(id);
      if (!message || message.conversation !== conversation) {
        json(res, 400, { ok: false, error: "message not found" });
        return;
      }
      if (req.url === "/edit") {
        const text = String(body.text ?? "");
        message.texts.push(text);
        this.current.set(id, text);
        this.calls.push({ method: "edit", conversation, messageId: id, text, generation });
      } else {
        message.deleted = true;
        this.current.delete(id);
        this.calls.push({ method: "delete", conversation, messageId: id, text: null, generation });
      }
      json(res, 200, { ok: true });
      return;
    }
    json(res, 404, { ok: false, error: "not found" });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
