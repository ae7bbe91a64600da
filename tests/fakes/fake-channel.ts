import {
  type AcceptResult,
  type ChannelAdapter,
  ChannelError,
  type ChannelHost,
  type ChannelLimits,
  type ChannelStatus,
  type OutboundMessage,
} from "../../src/gateway/channel.js";
import { waitFor } from "../support/wait.js";

/** A failure the next send throws, as a platform would answer it. */
export type FakeFailure = { kind: "rate"; retryAfterMs: number } | { kind: "transient" } | { kind: "permanent" };

export interface FakeSend {
  at: number;
  conversationKey: string;
  text: string;
  messageId: string;
  replyToMessageId: string | undefined;
  outboxId: number | undefined;
}

export interface FakeEdit {
  at: number;
  conversationKey: string;
  messageId: string;
  text: string;
}

export interface FakeDelete {
  at: number;
  conversationKey: string;
  messageId: string;
}

/** What a platform user posts: `conv` becomes the conversation key `fake:<conv>`. */
export interface FakeInbound {
  conv: string;
  text: string;
  /** The platform message id; the delivery key derives from it. */
  id: string;
  sender?: string;
  senderName?: string;
  replyTo?: string;
  addressed?: boolean;
  /** The chat it was written in (allow lists, bindings, group rules). */
  chat?: { id: string; teamId?: string; group: boolean };
}

export interface FakeChannelOptions {
  name?: string;
  limits?: Partial<ChannelLimits>;
  /** Slack-like: a message posted at the top level of `fake:x` starts the thread `fake:x:<id>`. */
  threads?: boolean;
}

/**
 * An in-process chat platform and its adapter in one: `deliver` plays a user
 * posting a message, and everything the gateway sends, edits or deletes is
 * recorded with a timestamp. Failures can be scripted for the next sends.
 */
export class FakeChannel implements ChannelAdapter {
  readonly name: string;
  readonly limits: ChannelLimits;
  readonly sends: FakeSend[] = [];
  readonly edits: FakeEdit[] = [];
  readonly deletes: FakeDelete[] = [];
  /** Every send call, failed ones included. */
  readonly sendAttempts: { at: number; text: string; failed: FakeFailure["kind"] | null }[] = [];
  /** What each message shows now (after edits; deleted ones removed). */
  readonly messages = new Map<string, string>();
  /** Every accept the channel asked for, with its outcome. */
  readonly accepted: { message: FakeInbound; result: AcceptResult | Error }[] = [];
  readonly #failures: FakeFailure[] = [];
  #host: ChannelHost | undefined;
  #state: ChannelStatus = { state: "stopped" };
  #nextId = 1;
  readonly threadKey: ((conversationKey: string, messageId: string) => string) | undefined;

  constructor(options: FakeChannelOptions = {}) {
    this.name = options.name ?? "fake";
    this.threadKey = options.threads ? (conversationKey, messageId) => `${conversationKey}:${messageId}` : undefined;
    this.limits = {
      maxMessageLength: 4000,
      editIntervalMs: 100,
      sendIntervalMs: 0,
      format: "markdown",
      previews: false,
      commandPrefix: "/",
      access: "allow-list",
      ...options.limits,
    };
  }

  async start(host: ChannelHost): Promise<void> {
    this.#host = host;
    this.#state = { state: "running" };
  }

  async stop(): Promise<void> {
    this.#state = { state: "stopped" };
  }

  status(): ChannelStatus {
    return this.#state;
  }

  /** Makes the next `times` sends fail like this. */
  failNext(failure: FakeFailure, times = 1): void {
    for (let i = 0; i < times; i++) this.#failures.push(failure);
  }

  /** A user posts a message: the adapter normalizes it and asks the host to accept it. */
  async deliver(message: FakeInbound): Promise<AcceptResult | Error> {
    const host = this.#host;
    if (!host || this.#state.state !== "running") throw new Error(`channel ${this.name} is not running`);
    let result: AcceptResult | Error;
    try {
      result = await host.accept({
        channel: this.name,
        conversationKey: `${this.name}:${message.conv}`,
        sender: { id: message.sender ?? "user1", ...(message.senderName ? { name: message.senderName } : {}) },
        text: message.text,
        addressed: message.addressed ?? true,
        platformMessageId: message.id,
        ...(message.replyTo ? { replyToMessageId: message.replyTo } : {}),
        ...(message.chat ? { chat: message.chat } : {}),
        deliveryKeys: [`${this.name}:message:${message.conv}:${message.id}`],
      });
    } catch (error) {
      result = error instanceof Error ? error : new Error(String(error));
    }
    this.accepted.push({ message, result });
    return result;
  }

  async send(message: OutboundMessage): Promise<{ messageId: string }> {
    const at = Date.now();
    if (message.text.length > this.limits.maxMessageLength) {
      throw new ChannelError("PERMANENT", `message too long: ${message.text.length} > ${this.limits.maxMessageLength}`);
    }
    const failure = this.#failures.shift();
    this.sendAttempts.push({ at, text: message.text, failed: failure?.kind ?? null });
    if (failure) throw toChannelError(failure);
    const messageId = `${this.name}-m${this.#nextId++}`;
    this.sends.push({
      at,
      conversationKey: message.conversationKey,
      text: message.text,
      messageId,
      replyToMessageId: message.replyToMessageId,
      outboxId: message.outboxId,
    });
    this.messages.set(messageId, message.text);
    return { messageId };
  }

  async edit(conversationKey: string, messageId: string, text: string): Promise<void> {
    if (!this.messages.has(messageId)) throw new ChannelError("PERMANENT", `no message ${messageId}`);
    if (text.length > this.limits.maxMessageLength) throw new ChannelError("PERMANENT", "edit too long");
    this.edits.push({ at: Date.now(), conversationKey, messageId, text });
    this.messages.set(messageId, text);
  }

  async delete(conversationKey: string, messageId: string): Promise<void> {
    if (!this.messages.has(messageId)) throw new ChannelError("PERMANENT", `no message ${messageId}`);
    this.deletes.push({ at: Date.now(), conversationKey, messageId });
    this.messages.delete(messageId);
  }

  /** Sends to one conversation (`conv` without the channel prefix). */
  sentTo(conv: string): FakeSend[] {
    return this.sends.filter((send) => send.conversationKey === `${this.name}:${conv}`);
  }

  /** Polls the recorded sends until `predicate` holds. */
  async waitFor(predicate: (sends: readonly FakeSend[]) => boolean): Promise<void> {
    await waitUntil(
      () => predicate(this.sends),
      () => `sends: ${JSON.stringify(this.sends.map((s) => s.text))}`,
    );
  }
}

function toChannelError(failure: FakeFailure): ChannelError {
  switch (failure.kind) {
    case "rate":
      return new ChannelError("RATE_LIMITED", "429 too many requests", { retryAfterMs: failure.retryAfterMs });
    case "transient":
      return new ChannelError("TRANSIENT", "502 bad gateway");
    case "permanent":
      return new ChannelError("PERMANENT", "403 forbidden");
  }
}

/** Polls `condition` until it holds; fails (with `describe()`) after the tests' patience runs out. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  describe: () => string = () => "",
): Promise<void> {
  await waitFor(
    async () => await condition(),
    () => `a condition ${describe()}`,
  );
}
