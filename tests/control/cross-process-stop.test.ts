import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/sqlite/sqlite-store.js";
import { controlWorlds } from "./control-world.js";

const world = controlWorlds();

/** Another gateway process: its own connection to the same database, with no way to wake this one. */
async function fromOtherProcess<T>(dbPath: string, act: (store: ReturnType<typeof openStore>) => Promise<T>) {
  const other = openStore(dbPath);
  try {
    return await act(other);
  } finally {
    await other.close();
  }
}

describe("stop asked for by another process", () => {
  it("is picked up by the scheduler's next tick and ends the turn 'cancelled'", async () => {
    const w = await world();
    const gate = w.hold(1);
    const session = await w.message("x", "long job");
    await w.waitForRequests(1);
    const [running] = w.turns(session);
    expect(running?.state).toBe("running");

    const turnId = await fromOtherProcess(w.h.dbPath, (store) => store.queue.requestCancel(session, "stop"));
    expect(turnId).toBe(running?.id);
    const asked = Date.now();
    await w.waitForTurns(session, ["cancelled"]);
    expect(Date.now() - asked).toBeLessThan(1000);
    gate.open();

    await w.channel.waitFor((sends) => sends.some((send) => send.text === "Stopped."));
    expect((await w.inbound(session)).map((row) => row.state)).toEqual(["answered"]);
    expect(w.texts()).toEqual(["Stopped."]);
    // Nothing else runs: the stopped message is not answered again.
    await w.outboxDrained();
    expect(w.h.fake.requests).toHaveLength(1);
  });

  it("asks nothing of a session without a running turn", async () => {
    const w = await world();
    const session = await w.message("x", "quick");
    await w.waitSettled(session);
    expect(await fromOtherProcess(w.h.dbPath, (store) => store.queue.requestCancel(session, "stop"))).toBeUndefined();
    expect(w.turns(session).map((turn) => turn.state)).toEqual(["completed"]);
  });

  it("is not turned into an interrupt by a message that arrives before the tick (interrupt mode)", async () => {
    const w = await world({ mode: "interrupt" });
    const gate = w.hold(1);
    const session = await w.message("x", "first, then stopped");
    await w.waitForRequests(1);
    // The stop is stored; before this process's scheduler reads it, a new message arrives.
    await fromOtherProcess(w.h.dbPath, (store) => store.queue.requestCancel(session, "stop"));
    await w.message("x", "something new");
    const turns = await w.waitForEndedTurns(session, 2);
    gate.open();
    const rows = await w.waitSettled(session);
    expect(turns.map((turn) => turn.state)).toEqual(["cancelled", "completed"]);

    // The stopped message counts as answered (stop), and is not answered again with the new one.
    expect(rows.map((row) => [row.text, row.turnId])).toEqual([
      ["first, then stopped", turns[0]?.id],
      ["something new", turns[1]?.id],
    ]);
    expect(turns[0]?.error).toBe("stopped");
  });
});
