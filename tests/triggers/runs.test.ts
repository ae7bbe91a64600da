import { afterEach, describe, expect, it } from "vitest";
import { lastUserText } from "../fakes/fake-openai.js";
import { userTexts } from "../gateway/gateway-harness.js";
import { TriggerWorld } from "./trigger-world.js";

const digest = {
  name: "digest",
  prompt: "Summarize {{payload.topic}} for {{payload.team.name}}.",
  webhook: { secret_env: "HOOK_SECRET" },
  destination: { slack: { channel: "C123" } },
};

let world: TriggerWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe("a trigger run", () => {
  it("posts the Expert's answer at the top of the Slack channel, then archives the session there", async () => {
    world = await TriggerWorld.start([digest]);
    const fired = await world.triggers.fire("digest", { source: "manual", payload: { topic: "sales" } });
    const run = await world.ended(fired.run.id);

    expect(run.status).toBe("completed");
    expect(lastUserText(world.fake.requests[0] ?? { model: "", messages: [] })).toBe("Summarize sales for .");
    const [post] = world.slack.sends;
    expect(post).toMatchObject({ conversationKey: "slack::C123", text: "echo: Summarize sales for ." });
    const session = await world.store.sessions.get(run.sessionId ?? "");
    expect(session).toMatchObject({
      origin: "trigger",
      owner: "trigger:digest",
      state: "archived",
      // The session now lives in the thread its result started, where replies arrive.
      conversationKey: `slack::C123:${post?.messageId}`,
    });
    expect(await world.store.sessions.current(`slack::C123:${post?.messageId}`)).toMatchObject({ id: session?.id });
    expect((await world.store.sessions.list({ states: ["archived"] })).map((s) => s.id)).toEqual([session?.id]);
    expect((await world.store.sessions.search("sales")).map((hit) => hit.session.id)).toEqual([session?.id]);
    // Its usage counts against the trigger (usage --by trigger, trigger budgets).
    expect(world.store.db.prepare("SELECT trigger_name FROM usage WHERE session_id = ?").all(session?.id)).toEqual([
      { trigger_name: "digest" },
    ]);
  });

  it("is reopened by a reply in the result's thread and continues with the whole conversation", async () => {
    world = await TriggerWorld.start([digest]);
    const run = await world.ended(
      (await world.triggers.fire("digest", { source: "manual", payload: { topic: "q3" } })).run.id,
    );
    const post = world.slack.sends[0];
    const result = await world.slack.deliver({ conv: `:C123:${post?.messageId}`, text: "and q4?", id: "u1" });

    expect(result).toMatchObject({ status: "accepted", sessionId: run.sessionId });
    await world.slack.waitFor((sends) => sends.length === 2);
    expect(userTexts(world.fake.requests[1])).toEqual(["trigger digest: Summarize q3 for .", "and q4?"]);
    expect(world.slack.sends[1]).toMatchObject({
      conversationKey: `slack::C123:${post?.messageId}`,
      text: "echo: and q4?",
    });
    expect(await world.store.sessions.get(run.sessionId ?? "")).toMatchObject({ state: "active" });
  });

  it("in Telegram, leaves the chat's own session current; a reply to the result reopens the run's session", async () => {
    world = await TriggerWorld.start([{ ...digest, destination: { telegram: { chat: "-100777", topic: 7 } } }]);
    const chat = await world.telegram.deliver({ conv: "-100777:topic:7", text: "hello bot", id: "t1" });
    await world.telegram.waitFor((sends) => sends.length === 1);
    const run = await world.ended((await world.triggers.fire("digest", { source: "manual" })).run.id);
    const post = world.telegram.sends[1];
    expect(post).toMatchObject({ conversationKey: "telegram:-100777:topic:7", text: "echo: Summarize  for ." });
    expect(await world.store.sessions.current("telegram:-100777:topic:7")).toMatchObject({
      id: (chat as { sessionId: string }).sessionId,
    });

    await world.telegram.deliver({ conv: "-100777:topic:7", text: "what else?", id: "t2", replyTo: post?.messageId });
    await world.telegram.waitFor((sends) => sends.length === 3);
    expect(userTexts(world.fake.requests.at(-1))).toEqual(["trigger digest: Summarize  for .", "what else?"]);
    expect(await world.store.sessions.get(run.sessionId ?? "")).toMatchObject({ state: "active" });
  });

  it("with destination none, stores the answer only; archive: never keeps the session active", async () => {
    world = await TriggerWorld.start([
      { name: "quiet", prompt: "note it", webhook: { secret_env: "HOOK_SECRET" } },
      { name: "kept", prompt: "keep it", webhook: { secret_env: "HOOK_SECRET" }, archive: "never" },
    ]);
    const quiet = await world.ended((await world.triggers.fire("quiet", { source: "manual" })).run.id);
    const kept = await world.ended((await world.triggers.fire("kept", { source: "manual" })).run.id);

    expect([quiet.status, kept.status]).toEqual(["completed", "completed"]);
    expect(world.slack.sends.length + world.telegram.sends.length).toBe(0);
    const answers = await world.store.transcript.list(quiet.sessionId ?? "");
    expect(answers.map((entry) => [entry.kind, entry.content])).toEqual([
      ["user", "note it"],
      ["assistant", "echo: note it"],
    ]);
    expect((await world.store.sessions.get(quiet.sessionId ?? ""))?.state).toBe("archived");
    expect((await world.store.sessions.get(kept.sessionId ?? ""))?.state).toBe("active");
  });

  it("records a failure, posts a short message to the destination and backs off", async () => {
    world = await TriggerWorld.start([digest]);
    world.fake.reply({ kind: "status", status: 400, message: "bad model" });
    const run = await world.ended((await world.triggers.fire("digest", { source: "manual" })).run.id);

    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/400|bad model/);
    expect(world.slack.sends[0]?.text).toMatch(/^Sorry, I could not answer/);
    const state = await world.store.triggers.state("digest");
    expect(state.failures).toBe(1);
    expect(state.backoffUntil).toBeGreaterThan(Date.now());
    expect((await world.store.sessions.get(run.sessionId ?? ""))?.state).toBe("archived");

    const next = await world.ended((await world.triggers.fire("digest", { source: "manual" })).run.id);
    expect(next.status).toBe("completed");
    expect(await world.store.triggers.state("digest")).toMatchObject({ failures: 0, backoffUntil: null });
  });

  it("fails when the result cannot be delivered", async () => {
    world = await TriggerWorld.start([digest]);
    world.slack.failNext({ kind: "permanent" });
    const run = await world.ended((await world.triggers.fire("digest", { source: "manual" })).run.id);
    expect(run).toMatchObject({ status: "failed", error: "could not deliver: 403 forbidden" });
  });
});
