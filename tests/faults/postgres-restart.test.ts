import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../crash/child-gateway.js";
import { answersOf, CrashWorld, isAnswer, readDb } from "../crash/crash-world.js";
import { FakeTelegram } from "../fakes/fake-telegram.js";
import { PrivatePostgres } from "../store/private-postgres.js";
import { Random, seeds } from "./fault-seeds.js";

/*
 * A real PostgreSQL restart (fast shutdown, then a new postmaster on the same data and port) while
 * the gateway runs, on a server of the test's own: the shared server on 5432 is never stopped.
 * Telegram runs in long polling here, so "not acknowledged" means the offset does not move.
 */

let world: CrashWorld | undefined;
let telegram: FakeTelegram | undefined;
let server: PrivatePostgres | undefined;

afterEach(async () => {
  await world?.close();
  await telegram?.stop();
  await server?.close();
  world = undefined;
  telegram = undefined;
  server = undefined;
});

describe.each(seeds)("seed %i: the PostgreSQL server restarts while the gateway runs", (seed) => {
  it("platforms get 503 and the Telegram offset holds meanwhile; the gateway reconnects and answers every message once", async () => {
    const random = new Random(seed + 9900);
    const pgServer = await PrivatePostgres.create();
    server = pgServer;
    await pgServer.query("CREATE DATABASE gateway");
    const here = await CrashWorld.create({
      firstDelayMs: (texts) => (texts.some((text) => text.includes("-S-1-")) ? 1500 : random.int(0, 100)),
    });
    world = here;
    here.db = pgServer.url("gateway");
    const bot = await new FakeTelegram({ maxPollMs: 200 }).start();
    telegram = bot;
    const life = await here.start({
      // Info level: a failure then shows when the poll role and the coordination connection came back.
      extra: { LOG_LEVEL: "info", GATEWAY_ALLOW: "*", TELEGRAM_BOT_TOKEN: bot.token, TELEGRAM_API_ROOT: bot.url },
    });
    const why = () => `${here.logs()}\n--- server ---\n${pgServer.logs}`;

    // Working before the restart: one message through, and a slow turn at the model when it happens.
    const before = here.message("B", 1);
    expect(await life.post(before)).toMatchObject({ kind: "accepted" });
    const slow = here.message("S", 1);
    expect(await life.post(slow)).toMatchObject({ kind: "accepted" });
    await waitFor(() => here.model.requests.some((request) => JSON.stringify(request).includes(slow.text)), why);

    await pgServer.stop();
    const update = bot.privateText(`during the restart ${here.tag}`);
    const loopback = here.message("L", 1);
    expect(await life.post(loopback), why()).toMatchObject({ kind: "failed", status: 503 });
    // The offset stays put either way: the poller fetched the update, could not store it and fetches
    // it again, or, its leader role lost with the broken connection, it stopped polling until the
    // database is back (another gateway on the database would poll meanwhile).
    const fetched = bot.offsets.length;
    await waitFor(
      () =>
        (life.output.includes("telegram update not stored") && bot.offsets.length >= fetched + 2) ||
        life.output.includes("lost the role"),
      () => `the update refused and fetched again, or polling stopped\n${why()}`,
    );
    // The slow turn's ending is refused too, and it is kept for later.
    await waitFor(
      () => life.output.includes("the database refused a write"),
      () => `the refused ending\n${why()}`,
    );
    // The seed says how many refused loopback resends the outage lasts.
    for (let resend = random.int(0, 3); resend > 0; resend--) {
      expect(await life.post(loopback), why()).toMatchObject({ kind: "failed", status: 503 });
    }
    expect(bot.offsets.every((offset) => offset <= update.update_id)).toBe(true);
    expect(life.hasExited, why()).toBe(false);

    await pgServer.start();
    // The loopback platform delivers again what got a 503; Telegram's poller fetches the update again itself.
    await waitFor(async () => (await life.post(loopback)).kind !== "failed", "the loopback redelivery stored");
    const telegramAnswers = () =>
      [...bot.messages.values()].filter(
        (m) => m.from?.id === bot.bot.id && isAnswer(m.text ?? "") && m.text?.includes(update.message.text ?? "-"),
      );
    const answers = () => answersOf(here.platform, [before, slow, loopback]);
    const missing = () => [
      ...(telegramAnswers().length === 0 ? [`telegram: ${update.message.text}`] : []),
      ...[...answers()].filter(([, found]) => found.length === 0).map(([text]) => `loopback: ${text}`),
    ];
    await waitFor(
      () => missing().length === 0,
      () => `every answer; missing ${missing().join(", ")}\n${why()}`,
    );
    // The update is confirmed: the offset moves past it.
    await waitFor(() => bot.offsets.some((offset) => offset > update.update_id), "the offset past the update");
    expect(await life.stop(), why()).toEqual({ code: 0, signal: null });

    expect(telegramAnswers()).toHaveLength(1);
    for (const [text, found] of answers()) expect(found, text).toHaveLength(1);
    const facts = await readDb(here.db);
    expect(facts.inbound.map((row) => row.state)).toEqual(["answered", "answered", "answered", "answered"]);
    expect(facts.unfinishedOutbox).toEqual([]);
    expect(facts.runningTurns).toBe(0);
  });
});
