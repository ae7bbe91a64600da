import { describe, expect, it } from "vitest";
import type { PlatformMessage } from "../fakes/fake-loopback-platform.js";
import { duplicates, type Recovery } from "./fault-scenario.js";

/** A sent answer as the loopback platform records it. */
function sent(id: string, conversation: string, text: string, generation: number): PlatformMessage {
  return { id, conversation, replyTo: null, outboxId: 1, texts: [text], deleted: false, generation };
}

/** A recovery whose answers are `answers` (by message text); nothing else is read. */
function recovery(answers: [string, PlatformMessage[]][]): Recovery {
  return { answers: new Map(answers) } as Recovery;
}

describe("duplicates: the fault suite's count of replies sent twice", () => {
  const collected = "echo: B-1 | B-2";

  it("counts a collected reply sent by the killed life and again by the next one as ONE duplicate in the window", () => {
    const first = sent("pm2", "B", collected, 0);
    const again = sent("pm4", "B", collected, 1);
    const result = duplicates(
      recovery([
        ["B-1", [first, again]],
        ["B-2", [first, again]],
        ["A-1", [sent("pm5", "A", "echo: A-1", 1)]],
      ]),
    );
    expect(result).toEqual({ total: 1, crossLives: 1, byText: { [collected]: 1 } });
  });

  it("does not put copies sent by one life into the window", () => {
    const result = duplicates(
      recovery([
        ["B-1", [sent("pm2", "B", collected, 1), sent("pm3", "B", collected, 1)]],
        ["B-2", [sent("pm2", "B", collected, 1), sent("pm3", "B", collected, 1)]],
      ]),
    );
    expect(result).toEqual({ total: 1, crossLives: 0, byText: { [collected]: 1 } });
  });

  it("counts two replies each sent twice as two duplicates, and three copies as two", () => {
    const result = duplicates(
      recovery([
        ["A-1", [sent("a1", "A", "echo: A-1", 0), sent("a2", "A", "echo: A-1", 1)]],
        ["C-1", [sent("c1", "C", "echo: C-1", 0), sent("c2", "C", "echo: C-1", 1), sent("c3", "C", "echo: C-1", 1)]],
      ]),
    );
    expect(result).toEqual({ total: 3, crossLives: 1, byText: { "echo: A-1": 1, "echo: C-1": 2 } });
  });
});
