import { describe, expect, it } from "vitest";
import type { PlatformMessage } from "../fakes/fake-loopback-platform.js";
import { duplicates } from "./fault-scenario.js";

/** A sent answer as the loopback platform records it. */
function sent(id: string, conversation: string, text: string, generation: number, outboxId: number): PlatformMessage {
  return { id, conversation, replyTo: null, outboxId, texts: [text], deleted: false, generation };
}

describe("duplicates: the fault suite's count of replies sent twice", () => {
  const collected = "echo: B-1 | B-2";

  it("counts a collected reply sent by the killed life and again by the next one as ONE duplicate in the window", () => {
    const first = sent("pm2", "B", collected, 0, 7);
    const again = sent("pm4", "B", collected, 1, 7);
    const answers = new Map([
      ["B-1", [first, again]],
      ["B-2", [first, again]],
      ["A-1", [sent("pm5", "A", "echo: A-1", 1, 8)]],
    ]);
    expect(duplicates({ answers, sendingAtKill: [7] })).toEqual({ total: 1, inWindow: 1, byText: { [collected]: 1 } });
  });

  it("puts one duplicate per reply being sent at the kill into the window (several conversations send at once)", () => {
    const answers = new Map([
      ["A-1", [sent("pm2", "A", "echo: A-1", 0, 3), sent("pm4", "A", "echo: A-1", 1, 3)]],
      ["B-1", [sent("pm1", "B", "echo: B-1", 0, 2), sent("pm3", "B", "echo: B-1", 1, 2)]],
    ]);
    expect(duplicates({ answers, sendingAtKill: [2, 3] })).toMatchObject({ total: 2, inWindow: 2 });
    // A reply whose row was not being sent at the kill had been recorded: sending it again is a real duplicate.
    expect(duplicates({ answers, sendingAtKill: [3] })).toMatchObject({ total: 2, inWindow: 1 });
  });

  it("does not put copies sent by one life, or three copies, into the window", () => {
    const oneLife = new Map([["B-1", [sent("pm2", "B", collected, 1, 7), sent("pm3", "B", collected, 1, 7)]]]);
    expect(duplicates({ answers: oneLife, sendingAtKill: [7] })).toMatchObject({ total: 1, inWindow: 0 });
    const thrice = new Map([
      [
        "C-1",
        [sent("c1", "C", "echo: C-1", 0, 4), sent("c2", "C", "echo: C-1", 1, 4), sent("c3", "C", "echo: C-1", 1, 4)],
      ],
    ]);
    expect(duplicates({ answers: thrice, sendingAtKill: [4] })).toEqual({
      total: 2,
      inWindow: 0,
      byText: { "echo: C-1": 2 },
    });
  });
});
