import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../crash/child-gateway.js";
import { answersOf, isAnswer } from "../crash/crash-world.js";
import { postWebhookUpdate } from "../fakes/fake-telegram.js";
import { createTestDatabase, type TestDatabase } from "../store/pg-test-database.js";
import { PlatformWorld, WEBHOOK_SECRET } from "./platform-world.js";

let world: PlatformWorld | undefined;
let database: TestDatabase | undefined;

afterEach(async () => {
  await world?.close();
  await database?.drop();
  world = undefined;
  database = undefined;
});

describe("PostgreSQL goes away while the gateway runs", () => {
  it("platforms get 503 meanwhile; once it is back the gateway reconnects and every message is answered once", async () => {
    const here = await PlatformWorld.create({
      firstDelayMs: (texts) => (texts.some((text) => text.includes("-S-1-")) ? 2000 : 0),
    });
    world = here;
    const db = await createTestDatabase();
    database = db;
    const life = await here.start({ GATEWAY_DB: db.url });
    const { telegram, base } = here;
    await waitFor(() => telegram.webhook !== undefined, "setWebhook");

    // A turn that is at the model when the database goes away: its answer has to wait for it.
    const slow = base.message("S", 1);
    expect(await life.post(slow)).toMatchObject({ kind: "accepted" });
    await waitFor(() => base.model.requests.length === 1, "the slow turn at the model");
    await db.reachable(false);

    const update = telegram.privateText(`during the outage ${base.tag}`);
    const loopback = base.message("L", 1);
    const refused = await postWebhookUpdate(`${life.url}/telegram/webhook`, update, WEBHOOK_SECRET);
    expect(refused.status, refused.body).toBe(503);
    expect(await life.post(loopback)).toMatchObject({ kind: "failed", status: 503 });
    // The slow turn's ending is refused too, and it is kept for later.
    await waitFor(
      () => life.output.includes("the database refused a write"),
      () => `the refused ending in the log\n${life.output}`,
    );

    await db.reachable(true);
    // The platforms deliver again what got a 503.
    await waitFor(
      async () => (await postWebhookUpdate(`${life.url}/telegram/webhook`, update, WEBHOOK_SECRET)).status === 200,
      "the Telegram redelivery stored",
    );
    await waitFor(async () => (await life.post(loopback)).kind !== "failed", "the loopback redelivery stored");

    const shown = () =>
      [...telegram.messages.values()].filter((m) => m.from?.id === telegram.bot.id).map((m) => m.text ?? "");
    const answers = () => answersOf(base.platform, [slow, loopback]);
    await waitFor(
      () =>
        shown().some((text) => text.includes(`during the outage ${base.tag}`)) &&
        [...answers().values()].every((found) => found.length > 0),
      () => `answers: ${JSON.stringify(shown())} ${JSON.stringify([...answers()])}\n${life.output}`,
    );
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
    expect(shown().filter((text) => isAnswer(text) && text.includes(`during the outage ${base.tag}`))).toHaveLength(1);
    for (const [text, found] of answers()) expect(found, text).toHaveLength(1);
  });
});
