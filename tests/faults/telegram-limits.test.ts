import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/sqlite/sqlite-store.js";
import { type ChildGateway, waitFor } from "../crash/child-gateway.js";
import { postWebhookUpdate, telegramErrors } from "../fakes/fake-telegram.js";
import { PlatformWorld, WEBHOOK_SECRET } from "./platform-world.js";

let world: PlatformWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** Posts an update until the webhook takes it (503 while Telegram is being set up is "try again"). */
async function deliver(life: ChildGateway, update: object): Promise<void> {
  await waitFor(
    async () =>
      (await postWebhookUpdate(`${life.url}/telegram/webhook`, update as never, WEBHOOK_SECRET)).status === 200,
    "the webhook to take the update",
    60_000,
  );
}

/** What the outbox holds once the gateway has stopped. */
async function outboxRows(target: PlatformWorld) {
  const store = openStore(target.base.sandbox.db);
  try {
    return await store.outbox.list();
  } finally {
    await store.close();
  }
}

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const clusters = (text: string) => [...segmenter.segment(text)].map(({ segment }) => segment);

describe("Telegram limits, from the outside", () => {
  it("a 429 on a group preview holds the answer's sendMessage until retry_after has passed", async () => {
    world = await PlatformWorld.create({ pieceDelayMs: 20 });
    const life = await world.start();
    const { telegram } = world;
    // The preview is the first sendMessage of the turn; Telegram refuses it with retry_after 4.
    telegram.failNext("sendMessage", telegramErrors.retryAfter(4));
    await deliver(life, telegram.groupText("hey @gateway_bot tell me something long enough to preview"));
    await waitFor(
      () => telegram.calls.filter((call) => call.method === "sendMessage").length >= 2,
      () => `the answer after the refused preview\n${world?.logs()}`,
      60_000,
    );
    const sends = telegram.calls.filter((call) => call.method === "sendMessage");
    const [refused, answer] = sends;
    expect(String(answer?.params.text)).toMatch(/^echo: /);
    expect((answer?.at ?? 0) - (refused?.at ?? 0)).toBeGreaterThanOrEqual(4_000);
  });

  it("permanent errors end the outbox row at once with the error recorded and a log note", async () => {
    world = await PlatformWorld.create();
    const life = await world.start();
    const { telegram } = world;
    telegram.failNext("sendMessage", telegramErrors.badRequest("chat not found"), Number.POSITIVE_INFINITY);
    await deliver(life, telegram.privateText("where do you answer?"));
    // A chat id no Telegram chat can have: it does not even survive as a number.
    const impossible = telegram.privateText("and here?", { chatId: 1e20 });
    await deliver(life, impossible);
    await waitFor(
      () => (life.output.match(/delivery failed for good/g) ?? []).length >= 2,
      () => `two failed deliveries in the log\n${world?.logs()}`,
      60_000,
    );
    await life.stop();
    const rows = await outboxRows(world);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toMatchObject({ state: "failed", attempts: 1 });
    expect(rows.map((row) => row.error)).toEqual([
      expect.stringMatching(/chat not found/),
      expect.stringMatching(/no Telegram chat can have the id/),
    ]);
    expect(telegram.callsOf("sendMessage").filter((params) => /^echo/.test(String(params.text)))).toHaveLength(1);
  });

  it("a 30,000-character answer of flags and families is cut at 20,000 with a note, in whole characters", async () => {
    world = await PlatformWorld.create();
    const life = await world.start();
    const { telegram, base } = world;
    const unit = "🇩🇪 👨‍👩‍👧‍👦 é ";
    const huge = unit.repeat(Math.ceil(30_000 / unit.length));
    // Deltas of 5 code points, as a model streams: flags and families straddle them.
    base.model.reply({ kind: "text", text: huge, pieces: huge.match(/.{1,5}/gsu) ?? [] });
    await deliver(life, telegram.privateText("talk a lot"));
    await waitFor(
      () => telegram.callsOf("sendMessage").some((params) => /answer was cut here/.test(String(params.text))),
      () => `the cut answer\n${world?.logs()}`,
      120_000,
    );
    const parts = telegram.callsOf("sendMessage").map((params) => String(params.text));
    const whole = new Set(clusters(unit));
    for (const part of parts) {
      const body = part.replace(/\n*\(The answer was cut here[^)]*\)$/, "");
      // Whole flags, families and accented letters only (a preview ends with "…").
      const torn = clusters(body).filter((cluster) => !whole.has(cluster) && !/^(?:\s|…)$/.test(cluster));
      expect(torn).toEqual([]);
    }
    expect(parts.at(-1)).toMatch(/\(The answer was cut here: it reached the limit of 20,000 characters\.\)$/);
    const shown = parts.join("").replace(/\s+/g, "").length;
    expect(shown).toBeLessThan(20_100);
    // The model was stopped: its response closed long before all 30,000 characters were streamed.
    await waitFor(() => base.model.active.size === 0, "the model response to close");
  });
});
