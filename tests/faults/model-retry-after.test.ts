import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../crash/child-gateway.js";
import { CrashWorld } from "../crash/crash-world.js";
import { PATIENCE_MS } from "../support/wait.js";

let world: CrashWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe("the model answers 429 with a long Retry-After", () => {
  it("over 10 minutes: the turn gives up at once with a message, and the next message is answered", async () => {
    world = await CrashWorld.create();
    const life = await world.start();
    world.model.reply({ kind: "status", status: 429, retryAfter: "3600", message: "slow down" });
    const first = world.message("hour", 1);
    expect((await life.post(first)).kind).toBe("accepted");
    const shown = () => world?.platform.live("hour").map(({ text }) => text) ?? [];
    await waitFor(
      () => shown().some((text) => text.startsWith("Sorry")),
      () => `a "Sorry" answer: ${JSON.stringify(shown())}\n${world?.logs()}`,
      60_000,
    );
    expect(shown().find((text) => text.startsWith("Sorry"))).toMatch(/wait 60 minutes/);
    expect(world.model.requests).toHaveLength(1);
    const second = world.message("hour", 2);
    expect((await life.post(second)).kind).toBe("accepted");
    // The fake echoes every user message since the last answer: the failed turn's one too.
    await waitFor(
      () => shown().some((text) => text.startsWith("echo: ") && text.includes(second.text)),
      "the next answer",
      60_000,
    );
  });

  it("over 30 s: the user is told at once when the next try is, and the answer follows it", async () => {
    world = await CrashWorld.create();
    const life = await world.start();
    world.model.reply({ kind: "status", status: 429, retryAfter: "32" });
    const message = world.message("half", 1);
    expect((await life.post(message)).kind).toBe("accepted");
    const shown = () => world?.platform.live("half").map(({ text }) => text) ?? [];
    await waitFor(
      () => shown().some((text) => /I will try again at \d\d:\d\d UTC \(in 32 s\)/.test(text)),
      () => `the notice: ${JSON.stringify(shown())}\n${world?.logs()}`,
      20_000,
    );
    // The notice came while the turn still waited: no second model request yet.
    expect(world.model.requests).toHaveLength(1);
    // The retry waits the 32 s the model asked for, on top of the usual patience.
    await waitFor(() => shown().includes(`echo: ${message.text}`), "the answer after the wait", 32_000 + PATIENCE_MS);
    expect(world.model.requests).toHaveLength(2);
  });
});
