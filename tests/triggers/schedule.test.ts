import { afterEach, describe, expect, it } from "vitest";
import { nextFireAt } from "../../src/triggers/cron-schedule.js";
import { Gate } from "../gateway/gateway-harness.js";
import { TriggerWorld } from "./trigger-world.js";

const at = (iso: string) => Date.parse(iso);

let world: TriggerWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe("cron schedules", () => {
  it("fire at the wall-clock time of their time zone, across daylight saving changes", () => {
    const berlin = { cron: "0 8 * * 1-5", timezone: "Europe/Berlin" };
    // Friday 20 November 2026, 07:59 in Berlin (UTC+1): 08:00 Berlin is 07:00 UTC; then Monday.
    expect(nextFireAt(berlin, at("2026-11-20T06:59:00Z"))).toBe(at("2026-11-20T07:00:00Z"));
    expect(nextFireAt(berlin, at("2026-11-20T07:00:00Z"))).toBe(at("2026-11-23T07:00:00Z"));
    // In summer Berlin is UTC+2.
    expect(nextFireAt(berlin, at("2026-07-01T00:00:00Z"))).toBe(at("2026-07-01T06:00:00Z"));
    // New York moves to daylight time on 8 March 2026: 09:00 is 14:00 UTC before, 13:00 UTC after.
    const newYork = { cron: "0 9 * * *", timezone: "America/New_York" };
    expect(nextFireAt(newYork, at("2026-03-06T15:00:00Z"))).toBe(at("2026-03-07T14:00:00Z"));
    expect(nextFireAt(newYork, at("2026-03-07T15:00:00Z"))).toBe(at("2026-03-08T13:00:00Z"));
  });

  it("a fake clock drives firing: once per due time, then the next one", async () => {
    let now = at("2026-11-20T06:59:00Z");
    world = await TriggerWorld.start(
      [
        {
          name: "digest",
          prompt: "daily digest",
          schedule: { cron: "0 8 * * 1-5", timezone: "Europe/Berlin" },
          destination: { slack: { channel: "C1" } },
        },
      ],
      { clock: () => now },
    );
    expect(world.triggers.nextFire("digest")).toBe(at("2026-11-20T07:00:00Z"));
    await world.triggers.fireDue();
    expect(await world.store.triggers.history("digest")).toEqual([]);

    now = at("2026-11-20T07:00:00Z");
    await world.triggers.fireDue();
    await world.triggers.fireDue();
    const [run] = await world.store.triggers.history("digest");
    expect(run).toMatchObject({ source: "schedule", idempotencyKey: "schedule:2026-11-20T07:00:00.000Z" });
    expect(await world.store.triggers.history("digest")).toHaveLength(1);
    expect(world.triggers.nextFire("digest")).toBe(at("2026-11-23T07:00:00Z"));
    expect((await world.ended(run?.id ?? "")).status).toBe("completed");
    expect(world.slack.sends.map((send) => send.text)).toEqual(["echo: daily digest"]);
  });

  it("skips a firing while the previous run is still going, and records the skip", async () => {
    let now = at("2026-01-01T00:00:00Z");
    world = await TriggerWorld.start(
      [{ name: "tick", prompt: "tick", schedule: { cron: "*/5 * * * *" }, destination: "none" }],
      { clock: () => now },
    );
    const gate = new Gate();
    gate.close();
    world.fake.beforeReply = () => gate.wait();
    now = at("2026-01-01T00:05:00Z");
    await world.triggers.fireDue();
    now = at("2026-01-01T00:10:00Z");
    await world.triggers.fireDue();

    const [skipped, first] = await world.store.triggers.history("tick");
    expect(skipped).toMatchObject({ status: "skipped", sessionId: null });
    expect(skipped?.error).toBe(`the previous run (${first?.id}) is still going`);
    gate.open();
    expect((await world.ended(first?.id ?? "")).status).toBe("completed");
    expect(world.fake.requests).toHaveLength(1);
  });

  it("skips while paused and while backing off after a failure", async () => {
    let now = at("2026-01-01T00:00:00Z");
    world = await TriggerWorld.start(
      [{ name: "tick", prompt: "tick", schedule: { cron: "*/5 * * * *" }, destination: "none" }],
      { clock: () => now },
    );
    await world.store.triggers.setPaused("tick", true);
    now = at("2026-01-01T00:05:00Z");
    await world.triggers.fireDue();
    expect((await world.store.triggers.history("tick"))[0]).toMatchObject({ status: "skipped", error: "paused" });

    await world.store.triggers.setPaused("tick", false);
    world.fake.reply({ kind: "status", status: 400, message: "broken" });
    now = at("2026-01-01T00:10:00Z");
    await world.triggers.fireDue();
    const [failed] = await world.store.triggers.history("tick");
    expect((await world.ended(failed?.id ?? "")).status).toBe("failed");
    now = at("2026-01-01T00:15:00Z");
    await world.triggers.fireDue();
    expect((await world.store.triggers.history("tick"))[0]).toMatchObject({
      status: "skipped",
      error: "backing off after 1 failed runs",
    });
    // A manual run ignores pause and back-off.
    const manual = await world.triggers.fire("tick", { source: "manual" });
    expect((await world.ended(manual.run.id)).status).toBe("completed");
  });
});
