import { describe, expect, it } from "vitest";
import { controlWorlds } from "../control/control-world.js";
import { call, systemText, toolNames, toolResults, withMemory } from "./memory-world.js";

const world = controlWorlds();

/** Slack-like keys: `fake:TEAM:CHANNEL:THREAD`, so one team is one workspace (scope `fake:TEAM`). */
const teamA1 = "TA:C1:1";
const teamA2 = "TA:C2:7";
const teamB = "TB:C1:1";

describe("memories through the model's tools", () => {
  it('"remember that our deploys go out on Tuesdays" saves a project memory that a new session of the workspace uses', async () => {
    const w = await world({ turnContext: withMemory() });
    w.h.fake.reply(call("memory_save", { type: "project", content: "Deploys go out on Tuesdays." }), {
      kind: "text",
      text: "Noted: deploys go out on Tuesdays.",
    });
    const first = await w.message(teamA1, "remember that our deploys go out on Tuesdays");
    await w.waitSettled(first);
    const [memory] = await w.h.store.memories.list();
    expect(memory).toMatchObject({
      type: "project",
      scope: "fake:TA",
      userId: "fake:user1",
      expert: "default",
      content: "Deploys go out on Tuesdays.",
      sourceSessionId: first,
    });
    const userRow = (await w.h.store.transcript.list(first)).find((entry) => entry.kind === "user");
    expect(memory?.sourceMessageId).toBe(userRow?.id);
    expect(toolNames(w.h.fake.requests[0])).toEqual(
      expect.arrayContaining(["memory_search", "memory_save", "session_search", "session_read"]),
    );
    expect(toolResults(w.h.fake.requests[1])[0]).toContain(`Saved ${memory?.id} · project`);

    // A new session elsewhere in the same workspace starts with the memory in its context.
    const second = await w.message(teamA2, "when do we deploy?", { sender: "user2" });
    await w.waitSettled(second);
    expect(second).not.toBe(first);
    expect(systemText(w.h.fake.requests[2])).toContain(`${memory?.id} · project · Deploys go out on Tuesdays.`);

    // Another workspace never sees it: not in its context, not by search.
    w.h.fake.reply(call("memory_search", { query: "deploys Tuesdays" }), { kind: "text", text: "No idea." });
    const other = await w.message(teamB, "when do we deploy?");
    await w.waitSettled(other);
    expect(systemText(w.h.fake.requests[3])).not.toContain("Tuesdays");
    expect(toolResults(w.h.fake.requests[4])).toEqual(['No memories match "deploys Tuesdays".']);
  });

  it("memory_search finds the workspace's notes and the asker's own user notes, ranked", async () => {
    const w = await world({ turnContext: withMemory() });
    const store = w.h.store;
    const base = { expert: "default", sourceSessionId: null, sourceMessageId: null };
    await store.memories.create({
      ...base,
      type: "project",
      scope: "fake:TA",
      userId: "fake:x",
      content: "The staging database is called pluto.",
    });
    await store.memories.create({
      ...base,
      type: "decision",
      scope: "fake:TA",
      userId: "fake:x",
      content: "We chose Postgres over MySQL for the database because of JSON support.",
    });
    const mine = await store.memories.create({
      ...base,
      type: "user",
      scope: "fake:TB",
      userId: "fake:user1",
      content: "Prefers answers about the database in German.",
    });
    await store.memories.create({
      ...base,
      type: "user",
      scope: "fake:TA",
      userId: "fake:user2",
      content: "Someone else's database preference.",
    });
    await store.memories.create({
      ...base,
      type: "project",
      scope: "fake:TB",
      userId: "fake:x",
      content: "Team B database is mars.",
    });

    w.h.fake.reply(call("memory_search", { query: "database Postgres JSON" }), { kind: "text", text: "ok" });
    const session = await w.message(teamA1, "what database do we use?");
    await w.waitSettled(session);
    const lines = toolResults(w.h.fake.requests[1])[0]?.split("\n") ?? [];
    expect(lines[0]).toContain("decision · We chose Postgres");
    expect(lines).toHaveLength(3);
    expect(lines.join("\n")).toContain(`${mine.id} · user · Prefers answers`);
    expect(lines.join("\n")).toContain("pluto");
    expect(lines.join("\n")).not.toContain("mars");
    expect(lines.join("\n")).not.toContain("Someone else");
  });

  it("memory_save with an id corrects a note of this workspace, and refuses one of another", async () => {
    const w = await world({ turnContext: withMemory() });
    const base = { expert: "default", sourceSessionId: null, sourceMessageId: null, userId: "fake:x" };
    const here = await w.h.store.memories.create({
      ...base,
      type: "project",
      scope: "fake:TA",
      content: "Deploys on Tuesdays.",
    });
    const there = await w.h.store.memories.create({
      ...base,
      type: "project",
      scope: "fake:TB",
      content: "Deploys on Fridays.",
    });
    w.h.fake.reply(
      {
        kind: "tools",
        calls: [
          {
            name: "memory_save",
            arguments: JSON.stringify({ id: here.id, type: "project", content: "Deploys on Wednesdays now." }),
          },
          { name: "memory_save", arguments: JSON.stringify({ id: there.id, type: "project", content: "Hijacked." }) },
        ],
      },
      { kind: "text", text: "done" },
    );
    const session = await w.message(teamA1, "we moved deploys to Wednesdays");
    await w.waitSettled(session);
    const [updated, refused] = toolResults(w.h.fake.requests[1]);
    expect(updated).toContain(`Updated ${here.id} · project · Deploys on Wednesdays now.`);
    expect(refused).toBe(`error: no memory ${there.id} that you may change here`);
    expect((await w.h.store.memories.get(here.id))?.content).toBe("Deploys on Wednesdays now.");
    expect((await w.h.store.memories.get(here.id))?.sourceSessionId).toBe(session);
    expect((await w.h.store.memories.get(there.id))?.content).toBe("Deploys on Fridays.");
    expect(await w.h.store.memories.list()).toHaveLength(2);
  });

  it("a user note follows its person into other workspaces, and nobody else", async () => {
    const w = await world({ turnContext: withMemory() });
    w.h.fake.reply(call("memory_save", { type: "user", content: "Likes short answers." }), {
      kind: "text",
      text: "ok",
    });
    await w.waitSettled(await w.message(teamA1, "remember I like short answers"));
    await w.waitSettled(await w.message(teamB, "hi"));
    await w.waitSettled(await w.message("TB:C9:1", "hi", { sender: "user2" }));
    expect(systemText(w.h.fake.requests[2])).toContain("user · Likes short answers.");
    expect(systemText(w.h.fake.requests[3])).not.toContain("Likes short answers.");
  });

  it("an Expert with memory off gets neither memories nor memory tools", async () => {
    const w = await world({
      turnContext: withMemory(),
      experts: [{ name: "writer", memory: false, instructions: "You edit prose." }],
    });
    await w.h.store.memories.create({
      type: "project",
      scope: "fake:TA",
      userId: null,
      expert: null,
      content: "Deploys on Tuesdays.",
      sourceSessionId: null,
      sourceMessageId: null,
    });
    await w.waitSettled(await w.message(teamA1, "+writer fix this sentence"));
    await w.waitSettled(await w.message(teamA2, "hello"));
    expect(systemText(w.h.fake.requests[0])).toBe("You edit prose.");
    expect(toolNames(w.h.fake.requests[0])).toEqual([]);
    expect(systemText(w.h.fake.requests[1])).toContain("Deploys on Tuesdays.");
  });

  it("memories within the size budget: the newest first, the rest left to memory_search", async () => {
    const w = await world({ turnContext: withMemory({ memory: { enabled: true, budget_tokens: 120 } }) });
    for (let i = 1; i <= 20; i++) {
      await w.h.store.memories.create({
        type: "project",
        scope: "fake:TA",
        userId: null,
        expert: null,
        content: `Fact number ${i} about the project, with a few more words.`,
        sourceSessionId: null,
        sourceMessageId: null,
      });
      w.h.clock.advance(1000);
    }
    await w.waitSettled(await w.message(teamA1, "hello"));
    const system = systemText(w.h.fake.requests[0]);
    expect(system).toContain("Fact number 20 ");
    expect(system).not.toContain("Fact number 1 ");
    expect(system).toMatch(/\(\d+ older ones: memory_search\)/);
  });
});

describe("memories in chat", () => {
  it("`memories` lists this workspace's notes and mine with ids and types; `forget ID` deletes one", async () => {
    const w = await world({ turnContext: withMemory() });
    const make = (type: "project" | "user" | "decision", scope: string, userId: string, content: string) =>
      w.h.store.memories.create({
        type,
        scope,
        userId,
        content,
        expert: null,
        sourceSessionId: null,
        sourceMessageId: null,
      });
    const project = await make("project", "fake:TA", "fake:user1", "Deploys on Tuesdays.");
    const decision = await make("decision", "fake:TA", "fake:user2", "Chose Postgres for JSON.");
    const mine = await make("user", "fake:TB", "fake:user1", "Likes short answers.");
    const other = await make("project", "fake:TB", "fake:user1", "Team B fact.");

    const listed = await w.command(teamA1, "/memories");
    expect(listed).toContain(`${project.id} · project · Deploys on Tuesdays.`);
    expect(listed).toContain(`${decision.id} · decision · Chose Postgres for JSON.`);
    expect(listed).toContain(`${mine.id} · user · Likes short answers.`);
    expect(listed).not.toContain(other.id);

    expect(await w.command(teamA1, `/forget ${other.id}`)).toBe(`No memory "${other.id}" here.`);
    expect(await w.command(teamA1, `/forget ${project.id}`)).toBe(`Forgot ${project.id}: Deploys on Tuesdays.`);
    expect(await w.h.store.memories.get(project.id)).toBeUndefined();
    expect(await w.h.store.memories.get(other.id)).toBeDefined();
  });

  it("in a group, a workspace note is forgotten only by admins and whoever saved it", async () => {
    const w = await world({ turnContext: withMemory(), access: { allow: ["*"], admins: ["fake:boss"] } });
    const group = { chat: { id: "g1", group: true } };
    const note = await w.h.store.memories.create({
      type: "project",
      scope: "fake:g1",
      userId: "fake:user1",
      content: "Standup at 9.",
      expert: null,
      sourceSessionId: null,
      sourceMessageId: null,
    });
    expect(await w.command("g1", `/forget ${note.id}`, { ...group, sender: "user2" })).toBe(
      "Only admins and the person who saved it can delete this memory here.",
    );
    expect(await w.command("g1", `/forget ${note.id}`, { ...group, sender: "boss" })).toContain("Forgot");
  });
});
