import { expect } from "vitest";
import { type ChildGateway, waitFor } from "../crash/child-gateway.js";
import { isAnswer, turnTexts } from "../crash/crash-world.js";
import type { FakeOpenAi } from "../fakes/fake-openai.js";
import { postWebhookUpdate } from "../fakes/fake-telegram.js";
import { eventCallback, messageEvent, postSigned } from "../slack/slack-world.js";
import type { Random } from "./fault-seeds.js";
import { type PlatformWorld, WEBHOOK_SECRET } from "./platform-world.js";

/** What each platform reads when the gateway could not store its message. */
const refusedEverywhere = {
  loopback: { kind: "failed", status: 503, error: expect.stringContaining("not stored") },
  telegram: { status: 503, body: expect.stringContaining("not stored") },
  slack: { status: 503, body: expect.stringContaining("not stored") },
};

/** What each platform reads once its message is stored. */
const storedEverywhere = {
  loopback: expect.objectContaining({ kind: "accepted" }),
  telegram: { status: 200, body: expect.any(String) },
  slack: { status: 200, body: expect.any(String) },
};

/** The model answers `echo: LABEL` (the first word of each text), and `padding` after it. */
export function echoLabels(model: FakeOpenAi, padding = ""): void {
  model.fallback = (body) => ({
    kind: "text",
    text: `echo: ${turnTexts(body)
      .map((text) => text.split(" ")[0])
      .join(" | ")}${padding}`,
  });
}

/** Holds the model's replies until the returned function is called (a turn stays at the model). */
export function holdReplies(model: FakeOpenAi): () => void {
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  model.beforeReply = () => held;
  return release;
}

/**
 * One message per platform (loopback, Telegram webhook, Slack Events API), delivered in a seeded
 * order and delivered again as a platform does after a 503, with the same ids. Each text starts
 * with its label (`label("L")`, `label("T")`, `label("S")`); the model answers `echo: LABEL`.
 */
export class ThreePlatformMessages {
  readonly #world: PlatformWorld;
  readonly #life: ChildGateway;
  readonly #random: Random;
  readonly #label: (platform: string) => string;
  readonly #loopback;
  readonly #update;
  readonly #slackBody: string;

  constructor(
    world: PlatformWorld,
    life: ChildGateway,
    random: Random,
    label: (platform: string) => string,
    text: (label: string) => string,
  ) {
    this.#world = world;
    this.#life = life;
    this.#random = random;
    this.#label = label;
    this.#loopback = { ...world.base.message("L", 1), text: text(label("L")) };
    this.#update = world.telegram.privateText(text(label("T")));
    this.#slackBody = JSON.stringify(
      eventCallback(messageEvent({ channel: "C1", text: text(label("S")), ts: "1700007000.000100", mention: true })),
    );
  }

  /** Delivers the three, one after the other in the seed's order; what each platform got, by name. */
  async deliver(): Promise<Record<string, unknown>> {
    const life = this.#life;
    const sends = this.#random.shuffle([
      async () => ["loopback", await life.post(this.#loopback)] as const,
      async () =>
        ["telegram", await postWebhookUpdate(`${life.url}/telegram/webhook`, this.#update, WEBHOOK_SECRET)] as const,
      async () => ["slack", await postSigned(life.port, this.#slackBody)] as const,
    ]);
    const results: Record<string, unknown> = {};
    for (const send of sends) {
      const [name, result] = await send();
      results[name] = result;
    }
    return results;
  }

  /**
   * Delivers the three while the database refuses: each platform gets 503, the log says so three
   * times and names `cause`, and the process stays up and healthy.
   */
  async expectRefused(cause: string): Promise<void> {
    const life = this.#life;
    expect(await this.deliver(), life.output).toEqual(refusedEverywhere);
    // The log line reaches the pipe a moment after the 503.
    const logged = () => life.output.split("could not store an inbound message").length - 1;
    await waitFor(
      () => logged() >= 3,
      () => `three log lines\n${life.output}`,
    );
    expect(life.output).toContain(cause);
    expect((await fetch(`${life.url}/healthz`)).status).toBe(200);
    expect(life.hasExited).toBe(false);
  }

  /** Delivers the three again: stored (200) everywhere, then answered on every platform. */
  async expectStoredAndAnswered(): Promise<void> {
    expect(await this.deliver(), this.#life.output).toEqual(storedEverywhere);
    await waitFor(
      () => Object.values(this.answers()).every((count) => count >= 1),
      () => `answers on all three platforms\n${this.#world.logs()}`,
    );
  }

  /** The answers each platform shows so far. */
  answers(): { loopback: number; telegram: number; slack: number } {
    const { base, telegram, slack } = this.#world;
    const label = this.#label;
    return {
      loopback: base.platform.live("L").filter(({ text }) => isAnswer(text) && text.includes(label("L"))).length,
      telegram: [...telegram.messages.values()].filter(
        (m) => m.from?.id === telegram.bot.id && m.text === `echo: ${label("T")}`,
      ).length,
      slack: slack.botMessages("C1").filter((m) => !m.streaming && m.text === `echo: ${label("S")}`).length,
    };
  }
}
