import { afterEach, describe, expect, it } from "vitest";
import { ChatPacer } from "../../src/gateway/chat-pacer.js";
import { openPgStore } from "../../src/store/postgres/pg-store.js";
import type { Store } from "../../src/store/store.js";
import { createTestDatabase, type TestDatabase } from "../store/pg-test-database.js";

/*
 * Two gateways on one PostgreSQL database sending to one chat: each has its own pacer, and they
 * share the chat's pace through the store. Asserted are lower bounds only (nothing sent sooner
 * than the pace allows), never how fast.
 */

const INTERVAL_MS = 150;
/** Timers and Date.now() have millisecond resolution. */
const SLACK_MS = 2;

let database: TestDatabase | undefined;
const stores: Store[] = [];

afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  await database?.drop();
  database = undefined;
});

async function twoGateways(): Promise<[ChatPacer, ChatPacer]> {
  database = await createTestDatabase();
  const first = await openPgStore({ url: database.url });
  const second = await openPgStore({ url: database.url }, { migrate: false });
  stores.push(first, second);
  return [new ChatPacer(Date.now, first.pacing), new ChatPacer(Date.now, second.pacing)];
}

/**
 * Both pacers send `each` messages to one chat at once; how long after the start each send went, in
 * order. The n-th send (from 0) may not go sooner than n intervals after the start, whichever pacer
 * sends it (one send that went late may be followed closely by the next, which is on time: the
 * rate is what the chat limits).
 */
async function sendTogether(pacers: readonly ChatPacer[], each: number): Promise<number[]> {
  const sent: number[] = [];
  const start = Date.now();
  await Promise.all(
    pacers.map(async (pacer) => {
      for (let index = 0; index < each; index++) {
        await pacer.take("telegram:42", INTERVAL_MS);
        sent.push(Date.now() - start);
      }
    }),
  );
  return sent.sort((a, b) => a - b);
}

/** How much sooner than its turn each send went (n intervals after the start for the n-th); ≤ 0 when on time. */
const early = (sent: number[]) => sent.map((at, index) => index * INTERVAL_MS - at);

describe("the send pace shared by two gateways on one PostgreSQL database", () => {
  it("keeps one chat's rate whoever sends: the n-th send of both together goes n intervals after the start or later", async () => {
    const pacers = await twoGateways();
    const sent = await sendTogether(pacers, 4);
    expect(sent).toHaveLength(8);
    expect(Math.max(...early(sent))).toBeLessThanOrEqual(SLACK_MS);
  });

  it("makes a 429 that one gateway saw hold the other", async () => {
    const [first, second] = await twoGateways();
    const heldAt = Date.now();
    await first.hold("telegram:42", 600);
    await second.take("telegram:42", INTERVAL_MS);
    expect(Date.now() - heldAt).toBeGreaterThanOrEqual(600 - SLACK_MS);
    expect(await second.refresh("telegram:7")).toBe(0);
  });

  it("(the control) pacers that share nothing would together send faster than the chat allows", async () => {
    const sent = await sendTogether([new ChatPacer(Date.now), new ChatPacer(Date.now)], 4);
    expect(Math.max(...early(sent))).toBeGreaterThan(SLACK_MS);
  });
});
