import { describe, expect, it } from "vitest";
import type { Session } from "../../src/store/types.js";
import { type ControlWorld, controlWorlds } from "../control/control-world.js";
import { call, toolResults, withMemory } from "./memory-world.js";

const world = controlWorlds();
const DAY = 24 * 3600 * 1000;

async function seed(
  w: ControlWorld,
  conv: string,
  owner: string,
  texts: string[],
  expert = "default",
): Promise<Session> {
  const session = await w.h.store.sessions.create({
    channel: "fake",
    conversationKey: `fake:${conv}`,
    expert,
    origin: "chat",
    owner: `fake:${owner}`,
    title: texts[0] ?? null,
  });
  await w.h.store.transcript.append(
    session.id,
    texts.map((content, i) => ({ kind: i % 2 === 0 ? "user" : "assistant", content, senderId: owner })),
  );
  return session;
}

/** The asker (user1 in conversation `here`) has the model call one tool; returns what the tool answered. */
async function ask(w: ControlWorld, tool: string, args: object, sender = "user1"): Promise<string> {
  const before = w.h.fake.requests.length;
  w.h.fake.reply(call(tool, args), { kind: "text", text: "ok" });
  await w.waitSettled(await w.message("here", `please use ${tool}`, { sender }));
  return toolResults(w.h.fake.requests[before + 1]).at(-1) ?? "";
}

describe("session tools", () => {
  it("session_search ranks what the asker may see, with snippets, ids and filters", async () => {
    const w = await world({ turnContext: withMemory(), experts: [{ name: "analyst" }] });
    const both = await seed(w, "x1", "user1", [
      "the invoice export broke",
      "the invoice export job failed at midnight",
    ]);
    const hidden = await seed(w, "x2", "user2", ["invoice export of user two, invoice export again"]);
    w.h.clock.advance(3 * DAY);
    const later = await seed(w, "x3", "user1", ["one invoice question"], "analyst");
    const sharedHere = await seed(w, "here", "user3", ["an invoice in this conversation"]);

    const found = await ask(w, "session_search", { query: "invoice export" });
    const ids = [...found.matchAll(/^(s_\w+)/gm)].map((m) => m[1]);
    expect(ids[0]).toBe(both.id);
    expect(ids).toEqual(expect.arrayContaining([later.id, sharedHere.id]));
    expect(ids).not.toContain(hidden.id);
    expect(found).toContain("[invoice] [export]");

    const byExpert = await ask(w, "session_search", { query: "invoice", expert: "analyst" });
    expect([...byExpert.matchAll(/^(s_\w+)/gm)].map((m) => m[1])).toEqual([later.id]);
    const since = new Date(w.h.clock.now() - DAY).toISOString().slice(0, 10);
    const recent = await ask(w, "session_search", { query: "invoice", since, channel: "fake" });
    expect(recent).not.toContain(both.id);
    expect(recent).toContain(later.id);
    expect(await ask(w, "session_search", { query: "invoice", channel: "telegram" })).toBe(
      'No sessions match "invoice".',
    );
  });

  it("session_read pages a visible transcript by id prefix and hides the rest", async () => {
    const w = await world({ turnContext: withMemory({ admins: ["fake:boss"] }) });
    const texts = Array.from({ length: 5 }, (_, i) => `message ${i + 1}`);
    const mine = await seed(w, "x1", "user1", texts);
    const theirs = await seed(w, "x2", "user2", ["a private matter"]);

    const first = await ask(w, "session_read", { id: mine.id.slice(0, 6), limit: 2 });
    expect(first.split("\n")[0]).toContain(`${mine.id} "message 1"`);
    expect(first.split("\n")[0]).toContain("messages 1–2 of 5 · next page: offset 2");
    expect(first).toContain("user1: message 1");
    expect(first).toContain("assistant: message 2");
    expect(first).not.toContain("message 3");
    const last = await ask(w, "session_read", { id: mine.id, offset: 4, limit: 2 });
    expect(last).toContain("messages 5–5 of 5 · end of the session");
    expect(last).toContain("message 5");

    expect(await ask(w, "session_read", { id: theirs.id })).toBe(`error: no session "${theirs.id}" you may see`);
    expect(await ask(w, "session_read", { id: "s_nothing" })).toBe('error: no session "s_nothing" you may see');
    expect(await ask(w, "session_read", { id: theirs.id }, "boss")).toContain("a private matter");
  });
});
