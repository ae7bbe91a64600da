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

/**
 * The asker (user1, in their private chat `dm-here` unless `conv` says otherwise) has the model call
 * one tool; returns what the tool answered.
 */
async function ask(w: ControlWorld, tool: string, args: object, sender = "user1", conv = "dm-here"): Promise<string> {
  const before = w.h.fake.requests.length;
  w.h.fake.reply(call(tool, args), { kind: "text", text: "ok" });
  await w.waitSettled(await w.message(conv, `please use ${tool}`, { sender }));
  return toolResults(w.h.fake.requests[before + 1]).at(-1) ?? "";
}

const idsOf = (text: string) => [...text.matchAll(/^(s_\w+)/gm)].map((m) => m[1]);

describe("session tools", () => {
  it("session_search ranks what the asker may see, with snippets, ids and filters", async () => {
    const w = await world({ turnContext: withMemory(), experts: [{ name: "analyst" }] });
    const both = await seed(w, "dm-x1", "user1", [
      "the invoice export broke",
      "the invoice export job failed at midnight",
    ]);
    const hidden = await seed(w, "dm-x2", "user2", ["invoice export of user two, invoice export again"]);
    w.h.clock.advance(3 * DAY);
    const later = await seed(w, "dm-x3", "user1", ["one invoice question"], "analyst");
    // A group user1 has written in: a member, so its sessions are theirs to read.
    const sharedHere = await w.message("g", "an invoice in this group", { sender: "user3" });
    await w.waitSettled(sharedHere);
    await w.waitSettled(await w.message("g", "hello all", { sender: "user1" }));
    const otherGroup = await seed(w, "g2", "user2", ["an invoice in a group without user1"]);

    const found = await ask(w, "session_search", { query: "invoice export" });
    const ids = idsOf(found);
    expect(ids[0]).toBe(both.id);
    expect(ids).toEqual(expect.arrayContaining([later.id, sharedHere]));
    expect(ids).not.toContain(hidden.id);
    expect(ids).not.toContain(otherGroup.id);
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
    const mine = await seed(w, "dm-x1", "user1", texts);
    const theirs = await seed(w, "dm-x2", "user2", ["a private matter"]);

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

  it("asked in a group, quote only what every member may read: never the asker's private sessions (issue 15)", async () => {
    const w = await world({ turnContext: withMemory({ admins: ["fake:user1"] }) });
    const privateOne = await seed(w, "dm-user1", "user1", ["secret plans for the merger"]);
    const groupSession = await w.message("g", "public plans for the picnic", { sender: "user2" });
    await w.waitSettled(groupSession);

    // In the group, not even an admin's own private session is quoted, by search or by id.
    const inGroup = await ask(w, "session_search", { query: "plans" }, "user1", "g");
    expect(idsOf(inGroup)).toEqual([groupSession]);
    expect(inGroup).not.toContain("merger");
    expect(await ask(w, "session_read", { id: privateOne.id }, "user1", "g")).toBe(
      `error: no session "${privateOne.id}" you may see`,
    );

    // In the asker's private chat, both are theirs to read.
    const inPrivate = await ask(w, "session_search", { query: "plans" }, "user1", "dm-user1");
    expect(idsOf(inPrivate)).toEqual(expect.arrayContaining([privateOne.id, groupSession]));
    expect(await ask(w, "session_read", { id: privateOne.id }, "user1", "dm-user1")).toContain("merger");
  });
});
