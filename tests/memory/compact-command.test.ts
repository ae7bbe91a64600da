import { describe, expect, it } from "vitest";
import { controlWorlds } from "../control/control-world.js";
import { withMemory } from "./memory-world.js";

const world = controlWorlds();

describe("the compact command", () => {
  it("summarizes the older part of the session now, keeps the transcript, and the next turn starts from the summary", async () => {
    const w = await world({ turnContext: withMemory() });
    const session = await w.message("a", "first question about the invoice export");
    await w.waitSettled(session);
    for (const text of ["second question", "third question"]) {
      await w.say("a", `${text} ${"with plenty of detail ".repeat(400)}`);
      await w.waitSettled(session);
    }
    expect(await w.command("b", "/compact")).toBe("There is no session here yet; send a message or /new.");
    const before = await w.h.store.transcript.list(session);
    w.h.fake.reply({ kind: "text", text: "Summary: they asked about the invoice export." });
    const reply = await w.command("a", "/compact");
    expect(reply).toMatch(
      new RegExp(`^Summarized the older part of ${session}; \\d+ of \\d+ context tokens are in use now`),
    );
    const summary = await w.h.store.transcript.latestSummary(session);
    expect(summary?.entry.content).toBe("Summary: they asked about the invoice export.");
    expect((await w.h.store.transcript.list(session)).slice(0, before.length)).toEqual(before);

    await w.say("a", "and now?");
    await w.waitSettled(session);
    const last = w.h.fake.requests.at(-1);
    expect(last?.messages[1]?.content).toBe(
      "Summary of the earlier part of this conversation:\nSummary: they asked about the invoice export.",
    );
    expect(JSON.stringify(last?.messages)).not.toContain("first question about the invoice export");
  });
});
