import { afterEach, describe, expect, it } from "vitest";
import type { PostOutcome } from "./child-gateway.js";
import { CrashWorld, isAnswer } from "./crash-world.js";
import { crashAndRecover, duplicates, expectRecovered, explain, type Recovery } from "./fault-scenario.js";

let world: CrashWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

/**
 * The model answers nothing until A-2 was accepted (in the first life, or in the second when the
 * first died before it), so A-2 waits behind A-1's running turn however slow the machine is.
 */
function holdUntilA2Accepted(): {
  holdUntil: Promise<void>;
  onPosted: (messageId: string, outcome: PostOutcome) => void;
} {
  let accepted = () => {};
  const holdUntil = new Promise<void>((resolve) => {
    accepted = resolve;
  });
  return {
    holdUntil,
    onPosted: (messageId, outcome) => {
      if (messageId === "A-2" && outcome.kind === "accepted") accepted();
    },
  };
}

function expectQueuedBehindRunningTurn(recovery: Recovery, logs: string): void {
  expect(recovery.first.get("A-2"), `${explain(recovery)}\n${logs}`).toMatchObject({ kind: "accepted", queued: true });
}

describe("kill -9 at each fault point, then restart on the same database", () => {
  it("after-accept: the cut request is retried with the same message_id, deduplicated, and answered once", async () => {
    const hold = holdUntilA2Accepted();
    world = await CrashWorld.create({ firstDelayMs: 200, pieceDelayMs: 10, holdUntil: hold.holdUntil });
    const recovery = await crashAndRecover(world, "after-accept", undefined, hold.onPosted);
    const why = `${explain(recovery)}\n${world.logs()}`;
    // The first message was committed, then the process died before answering HTTP.
    expect(recovery.first.get("A-1"), why).toMatchObject({ kind: "failed", status: null });
    expect(recovery.retried.get("A-1"), why).toEqual({ kind: "duplicate" });
    for (const id of ["B-1", "C-1", "A-2", "A-3", "B-2"]) {
      expect(recovery.retried.get(id), `${id}\n${why}`).toMatchObject({ kind: "accepted" });
    }
    expect(recovery.retried.get("A-2"), why).toMatchObject({ queued: true });
    expectRecovered(recovery, world.logs(), { sendWindow: false });
  });

  it("mid-stream: the preview is edited to end in (interrupted) and every message is answered once", async () => {
    const hold = holdUntilA2Accepted();
    world = await CrashWorld.create({ firstDelayMs: 200, pieceDelayMs: 40, holdUntil: hold.holdUntil });
    const recovery = await crashAndRecover(world, "mid-stream", undefined, hold.onPosted);
    const { platform } = world;
    const why = `${explain(recovery)}\n${JSON.stringify(platform.calls, null, 1)}\n${world.logs()}`;
    expectQueuedBehindRunningTurn(recovery, world.logs());
    const previewsOfFirstLife = [...platform.messages.values()].filter((message) => message.generation === 0);
    expect(previewsOfFirstLife.length, why).toBeGreaterThanOrEqual(1);
    const interrupted = platform.edits().filter((edit) => edit.text?.endsWith("\n\n(interrupted)"));
    expect(interrupted.length, why).toBeGreaterThanOrEqual(1);
    for (const edit of interrupted) {
      expect(edit.generation, why).toBeGreaterThanOrEqual(1);
      expect(
        previewsOfFirstLife.map((message) => message.id),
        why,
      ).toContain(edit.messageId);
      // What the preview showed, without the streaming mark: the start of the answer that came later.
      const shown = edit.text?.replace(/\n\n\(interrupted\)$/, "") ?? "";
      expect(shown, why).not.toContain(" …");
      expect(
        platform.live(edit.conversation).some(({ text }) => isAnswer(text) && text.startsWith(shown)),
        why,
      ).toBe(true);
      expect(platform.current.get(edit.messageId), why).toBe(edit.text);
    }
    expect(
      recovery.db.turns.some((turn) => turn.attempts >= 2 && turn.state === "completed"),
      why,
    ).toBe(true);
    expectRecovered(recovery, world.logs(), { sendWindow: false });
  });

  it("after-tool-result: the tool is not run again (one tool_result row) and the answer arrives once", async () => {
    const hold = holdUntilA2Accepted();
    world = await CrashWorld.create({ firstDelayMs: 200, callTool: true, holdUntil: hold.holdUntil });
    const recovery = await crashAndRecover(world, "after-tool-result", undefined, hold.onPosted);
    const why = `${explain(recovery)}\n${JSON.stringify(recovery.db, null, 1)}\n${world.logs()}`;
    expectQueuedBehindRunningTurn(recovery, world.logs());
    for (const row of recovery.db.toolRows) {
      expect(row.calls, why).toBeLessThanOrEqual(1);
      expect(row.results, why).toBeLessThanOrEqual(1);
    }
    const resumed = recovery.db.turns.filter((turn) => turn.attempts >= 2);
    expect(resumed.length, why).toBeGreaterThanOrEqual(1);
    const results = (turnId: number) => recovery.db.toolRows.find((row) => row.turnId === turnId)?.results ?? 0;
    // The turn that died right after storing its tool result resumed from it.
    expect(
      resumed.some((turn) => results(turn.id) === 1),
      why,
    ).toBe(true);
    for (const turn of recovery.db.turns) expect(turn.state, why).toBe("completed");
    expectRecovered(recovery, world.logs(), { sendWindow: false });
  });

  it("after-send-before-record: every message is answered; only a reply being sent at the kill is sent again, once", async () => {
    // B's turns are quick, the others slow; previews are refused so answers are fresh sends,
    // and notices are acknowledged late, so the crash lands on an answer's send.
    world = await CrashWorld.create({ firstDelayMs: (texts) => (texts.some((t) => t.includes("-B-")) ? 30 : 300) });
    world.platform.sendBehaviour = (send) =>
      send.outboxId === null ? { status: 500 } : send.text.startsWith("echo: ") ? undefined : { delayMs: 500 };
    const recovery = await crashAndRecover(world, "after-send-before-record");
    const why = `${explain(recovery)}\n${JSON.stringify(duplicates(recovery))}\n${world.logs()}`;
    expectQueuedBehindRunningTurn(recovery, world.logs());
    const answeredByFirstLife = [...world.platform.messages.values()].filter(
      (message) => message.generation === 0 && message.texts[0]?.startsWith("echo: "),
    );
    expect(answeredByFirstLife.length, why).toBeGreaterThanOrEqual(1);
    expectRecovered(recovery, world.logs(), { sendWindow: true });
  });
});
