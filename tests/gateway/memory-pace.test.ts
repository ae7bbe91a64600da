import { describe, expect, it } from "vitest";
import { ChatPacer } from "../../src/gateway/chat-pacer.js";
import { MemoryPace, SWEEP_EVERY_MS } from "../../src/gateway/memory-pace.js";

/** A clock the test moves. */
function testClock() {
  let now = 1_000_000;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("the pace a gateway alone on its database keeps in memory", () => {
  it("forgets conversations whose pace ended long ago, once there are many, and keeps the recent and the held", async () => {
    const clock = testClock();
    const pace = new MemoryPace(clock.now, ChatPacer.FORGET_AFTER_MS);
    for (let chat = 0; chat < 1001; chat++) await pace.reserve(`telegram:${chat}`, 1000);
    const until = clock.now() + ChatPacer.FORGET_AFTER_MS + SWEEP_EVERY_MS * 2;
    await pace.hold("telegram:0", until);
    clock.advance(ChatPacer.FORGET_AFTER_MS + SWEEP_EVERY_MS);
    await pace.reserve("telegram:new", 1000);
    expect(await pace.state("telegram:1")).toEqual({ nextAt: 0, heldUntil: 0 });
    expect((await pace.state("telegram:0")).heldUntil).toBe(until);
    expect((await pace.state("telegram:new")).nextAt).toBe(clock.now() + 1000);
  });

  it("keeps every conversation while there are few", async () => {
    const clock = testClock();
    const pace = new MemoryPace(clock.now, ChatPacer.FORGET_AFTER_MS);
    await pace.reserve("telegram:1", 1000);
    clock.advance(ChatPacer.FORGET_AFTER_MS * 4);
    await pace.reserve("telegram:2", 1000);
    expect((await pace.state("telegram:1")).nextAt).toBeGreaterThan(0);
  });

  it("paces a chat as the shared pace does: each slot once, an interval apart, none inside a hold", async () => {
    const clock = testClock();
    const pacer = new ChatPacer(clock.now);
    const start = clock.now();
    await pacer.take("telegram:1", 1000);
    expect(pacer.waitFor("telegram:1")).toBe(1000);
    await pacer.hold("telegram:1", 5000);
    expect(pacer.waitFor("telegram:1")).toBe(5000);
    expect(await pacer.refresh("telegram:1")).toBe(5000);
    clock.advance(5000);
    await pacer.take("telegram:1", 1000);
    expect(pacer.waitFor("telegram:1")).toBe(start + 6000 - clock.now());
  });
});
