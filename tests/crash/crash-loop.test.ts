import { afterEach, describe, expect, it } from "vitest";
import type { ChildExit } from "./child-gateway.js";
import { waitFor } from "./child-gateway.js";
import { CrashWorld, isAnswer, readDb } from "./crash-world.js";

let world: CrashWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

const couldNotAnswer =
  /^Sorry, I could not answer this message: the gateway stopped while working on it several times\.$/;

describe("a turn that keeps crashing the process", () => {
  it("is answered with a short error after 3 abandoned attempts instead of being re-run forever", async () => {
    world = await CrashWorld.create({ firstDelayMs: 50, pieceDelayMs: 40 });
    const { platform } = world;
    const message = world.message("L", 1);
    const errors = () => platform.live("L").filter(({ text }) => couldNotAnswer.test(text));

    const first = await world.start({ crashAt: "mid-stream" });
    expect(await first.post(message)).toMatchObject({ kind: "accepted" });
    const exits: ChildExit[] = [await first.waitForExit()];
    // Every restart keeps the crash point armed: each life that runs the turn dies mid-stream.
    let answeredBy: number | undefined;
    for (let restart = 1; restart <= 4 && answeredBy === undefined; restart++) {
      const life = await world.start({ crashAt: "mid-stream", mayDie: true });
      await waitFor(
        () => life.hasExited || errors().length > 0,
        () => `life ${restart} to die or answer\n${world?.logs()}`,
      );
      if (life.hasExited) {
        exits.push(await life.waitForExit());
      } else {
        answeredBy = restart;
        expect(await life.stop(), world.logs()).toEqual({ code: 0, signal: null });
      }
    }
    const why = `${JSON.stringify(platform.calls, null, 1)}\n${world.logs()}`;
    // Claimed (attempt 1), reclaimed twice (attempts 2, 3): three deaths; the third reclaim (attempt 4 > 3) answers.
    expect(exits, why).toEqual(Array.from({ length: 3 }, () => ({ code: null, signal: "SIGKILL" })));
    expect(answeredBy, why).toBe(3);
    expect(errors(), why).toHaveLength(1);
    expect(errors()[0]?.message.replyTo, why).toBe(message.message_id);
    expect(
      platform.live("L").filter(({ text }) => isAnswer(text)),
      why,
    ).toEqual([]);

    // Each dead life left a preview; each was marked interrupted by the life after it.
    const previews = [...platform.messages.values()].filter((sent) => sent.generation <= 2 && sent.outboxId === null);
    expect(new Set(previews.map((preview) => preview.generation)), why).toEqual(new Set([0, 1, 2]));
    for (const preview of previews) {
      expect(platform.current.get(preview.id), why).toMatch(/\n\n\(interrupted\)$/);
    }

    const db = await readDb(world.sandbox.db);
    expect(db.turns, why).toEqual([{ id: 1, state: "failed", attempts: 4, error: "abandoned 3 times" }]);
    expect(db.inbound, why).toEqual([{ text: message.text, state: "failed" }]);
    expect(db.unfinishedOutbox, why).toEqual([]);
  });
});
