import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../crash/child-gateway.js";
import { isAnswer, turnTexts } from "../crash/crash-world.js";
import type { FakeOpenAi } from "../fakes/fake-openai.js";
import { postWebhookUpdate } from "../fakes/fake-telegram.js";
import { eventCallback, messageEvent, postSigned } from "../slack/slack-world.js";
import { DiskSpace } from "./disk-space.js";
import { Random, seeds } from "./fault-seeds.js";
import { PlatformWorld, WEBHOOK_SECRET } from "./platform-world.js";

let world: PlatformWorld | undefined;
let disk: DiskSpace | undefined;

afterEach(async () => {
  await disk?.close();
  disk = undefined;
  await world?.close();
  world = undefined;
});

/** A text too long to fit into the pages the database already has; it starts with its label. */
const bulky = (label: string, random: Random) => `${label} ${"lorem ipsum ".repeat(random.int(600, 900))}`;

/** The model answers `echo: LABEL` (the first word of each text), and `padding` after it. */
function echoLabels(model: FakeOpenAi, padding = ""): void {
  model.fallback = (body) => ({
    kind: "text",
    text: `echo: ${turnTexts(body)
      .map((text) => text.split(" ")[0])
      .join(" | ")}${padding}`,
  });
}

describe.each(seeds)("seed %i: the database is full", (seed) => {
  it("every platform gets 503 and the log says why; once space returns the resends are stored and answered once", async () => {
    const random = new Random(seed + 7000);
    world = await PlatformWorld.create({ firstDelayMs: random.int(0, 100) });
    echoLabels(world.base.model);
    const life = await world.start({ GATEWAY_TEST_MAX_PAGES: "1" });
    const { telegram } = world;
    await waitFor(() => telegram.webhook !== undefined, "setWebhook");
    disk = DiskSpace.open(world.base.sandbox.db);
    disk.fill();

    const { tag } = world.base;
    const label = (platform: string) => `full-${tag}-${platform}`;
    const loopback = { ...world.base.message("L", 1), text: bulky(label("L"), random) };
    const update = telegram.privateText(bulky(label("T"), random));
    const slackText = bulky(label("S"), random);
    const slackBody = JSON.stringify(
      eventCallback(messageEvent({ channel: "C1", text: slackText, ts: "1700007000.000100", mention: true })),
    );
    const deliver = async () => {
      const sends = random.shuffle([
        async () => ["loopback", await life.post(loopback)] as const,
        async () =>
          ["telegram", await postWebhookUpdate(`${life.url}/telegram/webhook`, update, WEBHOOK_SECRET)] as const,
        async () => ["slack", await postSigned(life.port, slackBody)] as const,
      ]);
      const results: Record<string, unknown> = {};
      for (const send of sends) {
        const [name, result] = await send();
        results[name] = result;
      }
      return results;
    };

    const refused = await deliver();
    expect(refused, life.output).toEqual({
      loopback: { kind: "failed", status: 503, error: expect.stringContaining("not stored") },
      telegram: { status: 503, body: expect.stringContaining("not stored") },
      slack: { status: 503, body: expect.stringContaining("not stored") },
    });
    // The log line reaches the pipe a moment after the 503.
    const logged = () => life.output.split("could not store an inbound message").length - 1;
    await waitFor(
      () => logged() >= 3,
      () => `three log lines\n${life.output}`,
    );
    expect(life.output).toContain("SQLITE_FULL");
    expect((await fetch(`${life.url}/healthz`)).status).toBe(200);
    expect(life.hasExited).toBe(false);

    disk.free();
    const stored = await deliver();
    expect(stored, life.output).toEqual({
      loopback: expect.objectContaining({ kind: "accepted" }),
      telegram: { status: 200, body: expect.any(String) },
      slack: { status: 200, body: expect.any(String) },
    });
    const { platform } = world.base;
    const slack = world.slack;
    const loopbackAnswers = () => platform.live("L").filter(({ text }) => isAnswer(text) && text.includes(label("L")));
    const telegramAnswers = () =>
      [...telegram.messages.values()].filter((m) => m.from?.id === telegram.bot.id && m.text === `echo: ${label("T")}`);
    const slackAnswers = () => slack.botMessages("C1").filter((m) => !m.streaming && m.text === `echo: ${label("S")}`);
    await waitFor(
      () => loopbackAnswers().length >= 1 && telegramAnswers().length >= 1 && slackAnswers().length >= 1,
      () => `answers on all three platforms\n${world?.logs()}`,
    );
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
    expect(loopbackAnswers()).toHaveLength(1);
    expect(telegramAnswers()).toHaveLength(1);
    expect(slackAnswers()).toHaveLength(1);
    expect(disk.integrity()).toBe("ok");
  });

  it("space running out while a turn runs: the process stays up, and once space returns the message is answered once", async () => {
    const random = new Random(seed + 8000);
    world = await PlatformWorld.create();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    world.base.model.beforeReply = () => held;
    // The answer (about 3.5 KB, one platform message) needs pages the full database does not have.
    echoLabels(world.base.model, ` ${"y ".repeat(1700)}`);
    const life = await world.start({ GATEWAY_TEST_MAX_PAGES: "1" });
    disk = DiskSpace.open(world.base.sandbox.db);
    disk.free();
    const label = `midturn-${world.base.tag}`;
    const message = { ...world.base.message("M", 1), text: bulky(label, random) };
    expect((await life.post(message)).kind).toBe("accepted");
    const model = world.base.model;
    await waitFor(() => model.active.size === 1, "the turn's model request");
    disk.fill();
    release();
    const { platform } = world.base;
    // The disk stays full past the turn's three attempts (the seed says how far): refused writes must not use them up.
    const refusals = random.int(3, 4);
    const refused = () => life.output.split("the database refused a write").length - 1;
    await waitFor(
      () => refused() >= refusals,
      () => `${refusals} refused turn writes\n${life.output}`,
    );
    expect(life.hasExited, life.output).toBe(false);
    expect((await fetch(`${life.url}/healthz`)).status).toBe(200);
    disk.free();
    const answers = () => platform.live("M").filter(({ text }) => isAnswer(text) && text.includes(label));
    await waitFor(
      () => answers().length >= 1,
      () => `the answer after space returned\n${JSON.stringify(platform.calls)}\n${world?.logs()}`,
    );
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
    expect(answers()).toHaveLength(1);
    expect(disk.integrity()).toBe("ok");
  });
});
