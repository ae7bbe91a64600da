import { afterEach, expect } from "vitest";
import type { AcceptResult } from "../../src/gateway/channel.js";
import type { InboundRow, Session, TurnState } from "../../src/store/types.js";
import { FakeChannel, type FakeChannelOptions, type FakeInbound, waitUntil } from "../fakes/fake-channel.js";
import type { ChatRequestBody } from "../fakes/fake-openai.js";
import { Gate, GatewayHarness, type GatewayTestOptions } from "../gateway/gateway-harness.js";

/** A second Expert with its own model, so tests can tell which one answered. */
export const analyst = {
  name: "analyst",
  description: "Reads the numbers.",
  model: "analyst-model",
  tools: ["current_time"],
};

export interface TurnInfo {
  id: number;
  state: TurnState;
  expert: string;
  model: string;
  error: string | null;
}

export interface WorldOptions extends GatewayTestOptions {
  channel?: FakeChannelOptions;
}

/**
 * One gateway with one fake channel, plus the shortcuts the conversation
 * control tests share: sending texts and commands, holding model requests,
 * and reading turns and inbound rows.
 */
export class ControlWorld {
  #nextId = 1;

  constructor(
    readonly h: GatewayHarness,
    readonly channel: FakeChannel,
  ) {}

  static async start(options: WorldOptions = {}): Promise<ControlWorld> {
    const channel = new FakeChannel(options.channel);
    const h = await GatewayHarness.start([channel], options);
    return new ControlWorld(h, channel);
  }

  /** A user posts `text` in `conv`; returns the platform message id and what accepting it did. */
  async say(
    conv: string,
    text: string,
    extra: Partial<FakeInbound> = {},
  ): Promise<{ id: string; result: AcceptResult | Error }> {
    const id = extra.id ?? `m${this.#nextId++}`;
    const result = await this.channel.deliver({ conv, text, id, ...extra });
    return { id, result };
  }

  /** Posts `text` and returns the session it was accepted into (fails the test otherwise). */
  async message(conv: string, text: string, extra: Partial<FakeInbound> = {}): Promise<string> {
    const { result } = await this.say(conv, text, extra);
    if (result instanceof Error || result.status !== "accepted") {
      throw new Error(
        `"${text}" was not accepted: ${JSON.stringify(result instanceof Error ? result.message : result)}`,
      );
    }
    return result.sessionId;
  }

  /** Posts a command and returns its reply (the notice answering that message). */
  async command(conv: string, text: string, extra: Partial<FakeInbound> = {}): Promise<string> {
    const { id, result } = await this.say(conv, text, extra);
    expect(result, `${text} should be handled as a command`).toEqual({ status: "command" });
    await this.channel.waitFor((sends) => sends.some((send) => send.replyToMessageId === id));
    return this.replyTo(id) ?? "";
  }

  /** The text sent in reply to platform message `id`. */
  replyTo(id: string): string | undefined {
    return this.channel.sends.find((send) => send.replyToMessageId === id)?.text;
  }

  /** Holds the model's `n`-th request (1-based) until the returned gate opens. */
  hold(n: number): Gate {
    const gate = new Gate();
    gate.close();
    this.h.fake.beforeReply = async (body: ChatRequestBody) => {
      if (this.h.fake.requests.indexOf(body) === n - 1) await gate.wait();
    };
    return gate;
  }

  async waitForRequests(count: number): Promise<void> {
    await waitUntil(
      () => this.h.fake.requests.length >= count,
      () => `requests: ${this.h.fake.requests.length}`,
    );
  }

  turns(sessionId: string): TurnInfo[] {
    return this.h.store.db
      .prepare("SELECT id, state, expert, model, error FROM turns WHERE session_id = ? ORDER BY id")
      .all(sessionId) as TurnInfo[];
  }

  /** Waits until the session's turns are in exactly these states. */
  async waitForTurns(sessionId: string, states: TurnState[]): Promise<TurnInfo[]> {
    await waitUntil(
      () => JSON.stringify(this.turns(sessionId).map((turn) => turn.state)) === JSON.stringify(states),
      () => `turns: ${JSON.stringify(this.turns(sessionId))}`,
    );
    return this.turns(sessionId);
  }

  /** Waits until the session has had `count` turns and none runs; returns them. */
  async waitForEndedTurns(sessionId: string, count: number): Promise<TurnInfo[]> {
    await waitUntil(
      () => {
        const turns = this.turns(sessionId);
        return turns.length >= count && turns.every((turn) => turn.state !== "running");
      },
      () => `turns: ${JSON.stringify(this.turns(sessionId))}`,
    );
    return this.turns(sessionId);
  }

  inbound(sessionId: string): Promise<InboundRow[]> {
    return this.h.store.queue.inboundOfSession(sessionId);
  }

  /** Waits until no message of the session waits or runs. */
  async waitSettled(sessionId: string): Promise<InboundRow[]> {
    await waitUntil(
      async () => (await this.inbound(sessionId)).every((row) => row.state !== "queued" && row.state !== "running"),
      () => `sends: ${JSON.stringify(this.texts())}`,
    );
    await this.outboxDrained();
    return this.inbound(sessionId);
  }

  /** Waits until every outbox row went out. */
  async outboxDrained(): Promise<void> {
    await waitUntil(async () => (await this.h.store.outbox.list()).every((row) => row.state === "delivered"));
  }

  async answerRows(sessionId: string): Promise<string[]> {
    return (await this.h.store.outbox.list())
      .filter((row) => row.sessionId === sessionId && row.kind === "answer")
      .map((row) => row.text);
  }

  async sessions(conv: string): Promise<Session[]> {
    return this.h.store.sessions.list({
      states: ["active", "inactive", "archived"],
      conversationKey: `${this.channel.name}:${conv}`,
    });
  }

  async current(conv: string): Promise<Session | undefined> {
    return this.h.store.sessions.current(`${this.channel.name}:${conv}`);
  }

  texts(): string[] {
    return this.channel.sends.map((send) => send.text);
  }
}

/** Registers cleanup for the file's tests and returns a starter for one world per test. */
export function controlWorlds(): (options?: WorldOptions) => Promise<ControlWorld> {
  const open: ControlWorld[] = [];
  afterEach(async () => {
    for (const world of open.splice(0)) await world.h.close();
  });
  return async (options) => {
    const world = await ControlWorld.start(options);
    open.push(world);
    return world;
  };
}
