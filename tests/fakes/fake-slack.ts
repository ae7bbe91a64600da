import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { FakeWebSocket } from "./fake-slack-socket.js";

export const BOT_USER = "UBOT";
export const BOT_ID = "BBOT";
export const TEAM = "T1";

/** A message as the fake keeps it (what conversations.replies / history return). */
export interface FakeSlackMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  user?: string;
  bot_id?: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  /** Streamed with chat.startStream and not stopped yet. */
  streaming?: boolean;
  /** Block Kit the message was posted with. */
  blocks?: Record<string, unknown>[];
}

export type SlackCall = { method: string; params: Record<string, unknown> };
/** A programmed failure of the next Web API call (optionally only of one method). */
export type SlackFailure =
  | { kind: "rate"; retryAfter: number }
  | { kind: "http"; status: number }
  | { kind: "error"; error: string }
  /** The call is carried out, then the connection is dropped: the client cannot know it worked. */
  | { kind: "drop-after" };

/**
 * Slack on 127.0.0.1: the Web API methods the adapter calls (under `/api/`), `url_private` file
 * downloads and uploads, and a Socket Mode WebSocket (`apps.connections.open` → `/socket`).
 */
export class FakeSlack {
  readonly calls: SlackCall[] = [];
  readonly messages = new Map<string, FakeSlackMessage>();
  readonly users = new Map<string, string>([
    ["U1", "Ada"],
    ["U2", "Grace"],
  ]);
  readonly files = new Map<string, Buffer>();
  readonly uploads = new Map<string, Buffer>();
  /** Answers `url_private` downloads in place of the registered bytes when set (a file larger than it claims, a redirect). */
  serveFile: ((id: string, res: ServerResponse) => void) | undefined;
  readonly acks: { envelope_id: string; payload: unknown }[] = [];
  /** Messages shown to one person only (chat.postEphemeral). */
  readonly ephemerals: { channel: string; user: string; text: string; thread_ts?: string }[] = [];
  /** Error `apps.connections.open` answers with (`invalid_auth`), or undefined for success. */
  connectionsOpenError: string | undefined;
  /** chat.startStream answers `ok: false` with this (e.g. `not_allowed`), or undefined for success. */
  streamRefusal: string | undefined;
  connectionsOpened = 0;
  /** File downloads asked for, and answered (a held file host answers only once released). */
  fileRequests = 0;
  filesServed = 0;
  #fileHold: Promise<void> | undefined;
  readonly #failures: { failure: SlackFailure; method?: string }[] = [];
  readonly #sockets = new Set<FakeWebSocket>();
  #server: Server | undefined;
  #ts = 1_700_000_000_000_000;
  #envelopes = 0;
  /** Envelopes not acked yet, by id: Slack delivers them again on the next connection, and so does the fake. */
  readonly #unacked = new Map<string, string>();
  /** Every envelope {@link sendEnvelopeTo} sent, as last sent: {@link redeliver} may send an acked one again. */
  readonly #sentTo = new Map<string, string>();

  get url(): string {
    const address = this.#server?.address() as AddressInfo | undefined;
    if (!address) throw new Error("fake Slack is not listening");
    return `http://127.0.0.1:${address.port}`;
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch(() => res.destroy());
    });
    this.#server.on("upgrade", (req, socket) => {
      const ws = FakeWebSocket.accept(req, socket);
      if (!ws) return;
      this.#sockets.add(ws);
      ws.onClose = () => this.#sockets.delete(ws);
      ws.onText = (text) => {
        const ack = JSON.parse(text) as { envelope_id: string; payload: unknown };
        this.#unacked.delete(ack.envelope_id);
        this.acks.push(ack);
      };
      ws.sendText(JSON.stringify({ type: "hello", num_connections: 1 }));
      // A connection that replaced one which closed with envelopes unacked gets them again, as from Slack.
      for (const [envelopeId, text] of this.#unacked) {
        const envelope = JSON.parse(text) as { retry_attempt?: number };
        const again = JSON.stringify({
          ...envelope,
          retry_attempt: (envelope.retry_attempt ?? 0) + 1,
          retry_reason: "timeout",
        });
        this.#unacked.set(envelopeId, again);
        ws.sendText(again);
      }
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, "127.0.0.1", resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const ws of this.#sockets) ws.destroy();
    const closed = new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    this.#server?.closeAllConnections();
    await closed;
  }

  failNext(failure: SlackFailure, method?: string): void {
    this.#failures.push({ failure, ...(method ? { method } : {}) });
  }

  callsOf(method: string): Record<string, unknown>[] {
    return this.calls.filter((call) => call.method === method).map((call) => call.params);
  }

  /** Messages the bot posted (not the people's), in order. */
  botMessages(channel?: string): FakeSlackMessage[] {
    return [...this.messages.values()].filter((m) => m.bot_id === BOT_ID && (!channel || m.channel === channel));
  }

  nextTs(): string {
    this.#ts += 100;
    const text = String(this.#ts);
    return `${text.slice(0, 10)}.${text.slice(10)}`;
  }

  /** A person's message, as if written in Slack (it shows up in conversations.replies). */
  addMessage(message: Omit<FakeSlackMessage, "ts"> & { ts?: string }): FakeSlackMessage {
    const stored = { ...message, ts: message.ts ?? this.nextTs() };
    this.messages.set(`${stored.channel}/${stored.ts}`, stored);
    return stored;
  }

  /** A file people can share; its `url_private` needs the bot token. */
  addFile(id: string, bytes: Buffer): string {
    this.files.set(id, bytes);
    return `${this.url}/files/${id}`;
  }

  /** Makes the file host hold every download until the returned function is called. */
  holdFiles(): () => void {
    let release = () => {};
    this.#fileHold = new Promise<void>((resolve) => {
      release = resolve;
    });
    return () => {
      this.#fileHold = undefined;
      release();
    };
  }

  get socketCount(): number {
    return [...this.#sockets].filter((ws) => ws.open).length;
  }

  /** Sends a Socket Mode envelope to every open connection (again on a new one until acked); returns its id. */
  sendEnvelope(type: string, payload: unknown, extra: Record<string, unknown> = {}): string {
    const envelopeId = `env-${++this.#envelopes}`;
    const text = JSON.stringify({ type, envelope_id: envelopeId, payload, accepts_response_payload: false, ...extra });
    this.#unacked.set(envelopeId, text);
    for (const ws of this.#sockets) ws.sendText(text);
    return envelopeId;
  }

  /**
   * Sends a Socket Mode envelope to one open connection, as Slack does when an app holds several:
   * `to` is its index among the open ones, in the order they opened. Returns its id.
   */
  sendEnvelopeTo(to: number, type: string, payload: unknown, extra: Record<string, unknown> = {}): string {
    const envelopeId = `env-${++this.#envelopes}`;
    const text = JSON.stringify({ type, envelope_id: envelopeId, payload, accepts_response_payload: false, ...extra });
    this.#unacked.set(envelopeId, text);
    this.#sentTo.set(envelopeId, text);
    this.#openSocket(to).sendText(text);
    return envelopeId;
  }

  /** The envelopes no connection acked yet. */
  get unackedIds(): string[] {
    return [...this.#unacked.keys()];
  }

  /**
   * Sends an envelope once more to the open connection `to`, with `retry_attempt` one higher and
   * `retry_reason: "timeout"`: what Slack does when an ack is late, whether or not the connection
   * it first went to still lives. Acked or not, it goes out (an ack may be on its way).
   */
  redeliver(envelopeId: string, to: number): void {
    const text = this.#unacked.get(envelopeId) ?? this.#sentTo.get(envelopeId);
    if (!text) throw new Error(`no envelope ${envelopeId} to deliver again`);
    const envelope = JSON.parse(text) as { retry_attempt?: number };
    const again = JSON.stringify({
      ...envelope,
      retry_attempt: (envelope.retry_attempt ?? 0) + 1,
      retry_reason: "timeout",
    });
    if (this.#unacked.has(envelopeId)) this.#unacked.set(envelopeId, again);
    this.#sentTo.set(envelopeId, again);
    this.#openSocket(to).sendText(again);
  }

  #openSocket(index: number): FakeWebSocket {
    const ws = [...this.#sockets].filter((socket) => socket.open)[index];
    if (!ws) throw new Error(`no open Socket Mode connection #${index} (${this.socketCount} open)`);
    return ws;
  }

  /** Slack's `disconnect` message (it is about to close the connection). */
  sendDisconnect(reason: string): void {
    for (const ws of this.#sockets) ws.sendText(JSON.stringify({ type: "disconnect", reason }));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const body = await readBody(req);
    if (req.method === "GET" && url.pathname.startsWith("/files/") && this.serveFile) {
      this.serveFile(url.pathname.slice("/files/".length), res);
      return;
    }
    if (req.method === "GET" && url.pathname.startsWith("/files/")) {
      this.fileRequests++;
      await this.#fileHold;
      this.filesServed++;
      const file = this.files.get(url.pathname.slice("/files/".length));
      const authorized = req.headers.authorization === "Bearer xoxb-test";
      res.writeHead(file && authorized ? 200 : authorized ? 404 : 403);
      res.end(file && authorized ? file : "");
      return;
    }
    if (req.method === "POST" && url.pathname.startsWith("/upload/")) {
      this.uploads.set(url.pathname.slice("/upload/".length), body);
      res.writeHead(200).end("OK - uploaded");
      return;
    }
    if (!url.pathname.startsWith("/api/")) {
      res.writeHead(404).end();
      return;
    }
    const method = url.pathname.slice("/api/".length);
    const params = paramsOf(req, body);
    this.calls.push({ method, params });
    const index = this.#failures.findIndex((entry) => !entry.method || entry.method === method);
    const failure = index >= 0 ? this.#failures.splice(index, 1)[0]?.failure : undefined;
    if (failure?.kind === "rate") {
      res.writeHead(429, { "retry-after": String(failure.retryAfter), "content-type": "application/json" });
      res.end(JSON.stringify({ ok: false, error: "ratelimited" }));
      return;
    }
    if (failure?.kind === "http") {
      res.writeHead(failure.status).end("upstream failure");
      return;
    }
    const result = failure?.kind === "error" ? { ok: false, error: failure.error } : this.#call(method, params);
    if (failure?.kind === "drop-after") {
      res.destroy();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(result));
  }

  #call(method: string, p: Record<string, unknown>): Record<string, unknown> {
    const channel = String(p.channel ?? p.channel_id ?? "");
    switch (method) {
      case "auth.test":
        return { ok: true, user_id: BOT_USER, bot_id: BOT_ID, team_id: TEAM, user: "gateway", team: "Test" };
      case "apps.connections.open":
        if (this.connectionsOpenError) return { ok: false, error: this.connectionsOpenError };
        this.connectionsOpened++;
        return { ok: true, url: `${this.url.replace("http", "ws")}/socket` };
      case "users.info": {
        const name = this.users.get(String(p.user));
        if (!name) return { ok: false, error: "user_not_found" };
        return { ok: true, user: { id: p.user, name: name.toLowerCase(), profile: { display_name: name } } };
      }
      case "chat.postMessage": {
        const message = this.addMessage({
          channel,
          text: String(p.text ?? ""),
          bot_id: BOT_ID,
          user: BOT_USER,
          ...(p.thread_ts ? { thread_ts: String(p.thread_ts) } : {}),
          ...(p.metadata ? { metadata: parsed(p.metadata) as FakeSlackMessage["metadata"] } : {}),
          ...(p.blocks ? { blocks: parsed(p.blocks) as Record<string, unknown>[] } : {}),
        });
        return { ok: true, channel, ts: message.ts, message };
      }
      case "chat.postEphemeral":
        this.ephemerals.push({
          channel,
          user: String(p.user ?? ""),
          text: String(p.text ?? ""),
          ...(p.thread_ts ? { thread_ts: String(p.thread_ts) } : {}),
        });
        return { ok: true, message_ts: this.nextTs() };
      case "chat.update":
      case "chat.delete":
      case "chat.appendStream":
      case "chat.stopStream":
        return this.#change(method, channel, String(p.ts ?? ""), p);
      case "chat.startStream": {
        if (this.streamRefusal) return { ok: false, error: this.streamRefusal };
        const message = this.addMessage({
          channel,
          text: String(p.markdown_text ?? ""),
          bot_id: BOT_ID,
          user: BOT_USER,
          thread_ts: String(p.thread_ts ?? ""),
          streaming: true,
        });
        return { ok: true, channel, ts: message.ts };
      }
      case "conversations.replies":
      case "conversations.history":
        return this.#history(method, channel, p);
      case "assistant.threads.setStatus":
      case "assistant.threads.setSuggestedPrompts":
      case "assistant.threads.setTitle":
        return { ok: true };
      case "files.getUploadURLExternal":
        return {
          ok: true,
          upload_url: `${this.url}/upload/F${this.uploads.size + 1}`,
          file_id: `F${this.uploads.size + 1}`,
        };
      case "files.completeUploadExternal":
        return { ok: true, files: parsed(p.files) };
      default:
        return { ok: false, error: "unknown_method" };
    }
  }

  #change(method: string, channel: string, ts: string, p: Record<string, unknown>): Record<string, unknown> {
    const message = this.messages.get(`${channel}/${ts}`);
    if (!message) return { ok: false, error: "message_not_found" };
    if (method === "chat.delete") this.messages.delete(`${channel}/${ts}`);
    else if (method === "chat.update") {
      message.text = String(p.text ?? "");
      // As Slack does: blocks given replace the old ones (an empty array removes them).
      const blocks = p.blocks === undefined ? undefined : (parsed(p.blocks) as Record<string, unknown>[]);
      if (blocks) message.blocks = blocks.length > 0 ? blocks : undefined;
    } else if (!message.streaming) return { ok: false, error: "message_not_in_streaming_state" };
    else if (method === "chat.appendStream") message.text += String(p.markdown_text ?? "");
    else {
      message.text += String(p.markdown_text ?? "");
      message.streaming = false;
    }
    return { ok: true, channel, ts };
  }

  #history(method: string, channel: string, p: Record<string, unknown>): Record<string, unknown> {
    const thread = String(p.ts ?? "");
    const all = [...this.messages.values()]
      .filter((m) => m.channel === channel)
      .filter((m) => (method === "conversations.replies" ? m.ts === thread || m.thread_ts === thread : !m.thread_ts))
      .sort((a, b) => a.ts.localeCompare(b.ts))
      .map(({ streaming: _streaming, channel: _channel, ...rest }) =>
        p.include_all_metadata === "true" || p.include_all_metadata === true ? rest : { ...rest, metadata: undefined },
      );
    if (method === "conversations.replies" && all.length === 0) return { ok: false, error: "thread_not_found" };
    // History is newest first; replies oldest first.
    return { ok: true, messages: method === "conversations.history" ? all.reverse() : all, has_more: false };
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function paramsOf(req: IncomingMessage, body: Buffer): Record<string, unknown> {
  const text = body.toString("utf8");
  if ((req.headers["content-type"] ?? "").includes("application/json")) return JSON.parse(text || "{}");
  return Object.fromEntries(new URLSearchParams(text));
}

function parsed(value: unknown): unknown {
  return typeof value === "string" && /^[[{]/.test(value) ? JSON.parse(value) : value;
}
