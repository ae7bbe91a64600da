import { describe, expect, it } from "vitest";
import { queuedNotices } from "../../src/gateway/intake.js";
import { userTexts } from "../gateway/gateway-harness.js";
import { controlWorlds } from "./control-world.js";

const world = controlWorlds();

describe("collect and followup beside steer and interrupt", () => {
  it("collect: what arrives mid-turn is answered together in one next turn", async () => {
    const w = await world({ mode: "collect" });
    const gate = w.hold(1);
    const session = await w.message("q", "a");
    await w.waitForRequests(1);
    await w.message("q", "b");
    await w.message("q", "c");
    gate.open();
    const rows = await w.waitSettled(session);

    expect(w.texts()).toEqual([queuedNotices.collect, "echo: a", "echo: c"]);
    expect(userTexts(w.h.fake.requests[1])).toEqual(["a", "b", "c"]);
    const turns = w.turns(session);
    expect(turns.map((turn) => turn.state)).toEqual(["completed", "completed"]);
    expect(rows.map((row) => row.turnId)).toEqual([turns[0]?.id, turns[1]?.id, turns[1]?.id]);
  });

  it("followup (set by the Expert): each waiting message gets its own turn, in order", async () => {
    const w = await world({ mode: "collect", experts: [{ name: "default", mode: "followup" }] });
    const gate = w.hold(1);
    const session = await w.message("q", "a");
    await w.waitForRequests(1);
    await w.message("q", "b");
    await w.message("q", "c");
    gate.open();
    const rows = await w.waitSettled(session);

    expect(w.texts()).toEqual([queuedNotices.followup, "echo: a", "echo: b", "echo: c"]);
    expect(w.h.fake.requests.map(userTexts)).toEqual([["a"], ["a", "b"], ["a", "b", "c"]]);
    expect(new Set(rows.map((row) => row.turnId)).size).toBe(3);
    expect(await w.command("q", "/mode")).toMatch(/^Mode: followup/);
  });
});
