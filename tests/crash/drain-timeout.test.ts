import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "./child-gateway.js";
import { answersOf, CrashWorld, readDb } from "./crash-world.js";

let world: CrashWorld | undefined;
let release: (() => void) | undefined;

afterEach(async () => {
  release?.();
  release = undefined;
  await world?.close();
  world = undefined;
});

const GRACE_MS = 10_000;

describe("SIGTERM drains (the model never answers)", () => {
  it("exits 0 after the 10 s grace, leaving the turn to the next start, which answers it once", async () => {
    const w = await CrashWorld.create({ pieceDelayMs: 5 });
    world = w;
    world.model.beforeReply = () =>
      new Promise<void>((resolve) => {
        release = resolve;
      });
    const life = await world.start();
    const message = world.message("T", 1);
    expect(await life.post(message)).toMatchObject({ kind: "accepted" });
    await waitFor(() => w.model.active.size === 1, "the model request to hang");

    const signalledAt = Date.now();
    life.child.kill("SIGTERM");
    const exit = await life.waitForExit();
    const tookMs = Date.now() - signalledAt;
    expect(exit, world.logs()).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeGreaterThanOrEqual(GRACE_MS - 500);
    expect(answersOf(world.platform, [message]).get(message.text)).toEqual([]);
    const left = await readDb(world.sandbox.db);
    expect(left.inbound).toEqual([{ text: message.text, state: "running" }]);
    expect(left.runningTurns).toBe(1);

    // The next life finds the turn at once (its owner stopped) and the model answers now.
    world.behave({ pieceDelayMs: 5 });
    const next = await world.start();
    await waitFor(
      () => (answersOf(w.platform, [message]).get(message.text)?.length ?? 0) > 0,
      () => `the restarted gateway to answer\n${w.logs()}`,
    );
    expect(await next.stop()).toEqual({ code: 0, signal: null });
    const why = `${JSON.stringify(world.platform.calls, null, 1)}\n${world.logs()}`;
    expect(answersOf(world.platform, [message]).get(message.text), why).toHaveLength(1);
    const db = await readDb(world.sandbox.db);
    expect(db.inbound, why).toEqual([{ text: message.text, state: "answered" }]);
    expect(
      db.turns.map((turn) => [turn.state, turn.attempts]),
      why,
    ).toEqual([["completed", 2]]);
    expect(db.unfinishedOutbox, why).toEqual([]);
  });
});
