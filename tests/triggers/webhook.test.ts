import { afterEach, describe, expect, it } from "vitest";
import { lastUserText } from "../fakes/fake-openai.js";
import { SECRET, TriggerWorld } from "./trigger-world.js";

const deploy = {
  name: "deploy-failed",
  prompt: "Deploy of {{payload.service}} failed in {{payload.environment.name}}: {{payload.error.missing}}!",
  webhook: {
    secret_env: "HOOK_SECRET",
    filter: [
      { path: "status", equals: "failed" },
      { path: "environment.name", equals: "production" },
    ],
  },
  destination: { telegram: { chat: "-100123" } },
};
const failed = { status: "failed", service: "api", environment: { name: "production" } };

let world: TriggerWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function sessionCount(target: TriggerWorld): Promise<number> {
  return (await target.store.sessions.list({ states: ["active", "inactive", "archived"] })).length;
}

describe("POST /hooks/NAME", () => {
  it("starts a run: 202 with run and session ids; the payload fills the prompt, missing paths are empty", async () => {
    world = await TriggerWorld.start([deploy]);
    const answer = await world.hook("deploy-failed", failed);

    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ run_id: expect.stringMatching(/^r_/), session_id: expect.stringMatching(/^s_/) });
    const run = await world.ended(String(answer.body.run_id));
    expect(run).toMatchObject({ source: "webhook", status: "completed", sessionId: answer.body.session_id });
    expect(JSON.parse(run.payload ?? "null")).toEqual(failed);
    expect(lastUserText(world.fake.requests[0] ?? { model: "", messages: [] })).toBe(
      "Deploy of api failed in production: !",
    );
    expect(world.telegram.sends[0]).toMatchObject({ conversationKey: "telegram:-100123" });
  });

  it("answers 401 to a missing or wrong secret, in constant time, before anything is stored", async () => {
    world = await TriggerWorld.start([deploy]);
    const attempts: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${SECRET}x` },
      { authorization: "Bearer " },
      { authorization: SECRET },
    ];
    for (const headers of attempts) {
      expect((await world.hook("deploy-failed", failed, headers)).status).toBe(401);
    }
    expect(await sessionCount(world)).toBe(0);
    expect(await world.store.triggers.history("deploy-failed")).toEqual([]);
  });

  it("answers 404 to unknown names and triggers without a webhook", async () => {
    world = await TriggerWorld.start([deploy, { name: "cron-only", prompt: "x", schedule: { cron: "0 * * * *" } }]);
    expect((await world.hook("nope", failed)).status).toBe(404);
    expect((await world.hook("cron-only", failed)).status).toBe(404);
  });

  it("answers 400 to malformed JSON and 413 to an oversized body", async () => {
    world = await TriggerWorld.start([deploy]);
    expect(await world.hook("deploy-failed", '{"status": "fai')).toMatchObject({
      status: 400,
      body: { error: "malformed JSON body" },
    });
    expect((await world.hook("deploy-failed", { blob: "x".repeat(300 * 1024) })).status).toBe(413);
    expect(await sessionCount(world)).toBe(0);
  });

  it("answers 200 skipped:filter when a condition does not hold, before any session exists", async () => {
    world = await TriggerWorld.start([deploy]);
    for (const body of [{ ...failed, status: "ok" }, { ...failed, environment: { name: "staging" } }, {}]) {
      expect(await world.hook("deploy-failed", body)).toEqual({ status: 200, body: { skipped: "filter" } });
    }
    expect(await sessionCount(world)).toBe(0);
    expect(await world.store.triggers.history("deploy-failed")).toEqual([]);
  });

  it("returns the first run's answer for a repeated Idempotency-Key", async () => {
    world = await TriggerWorld.start([deploy]);
    const headers = { authorization: `Bearer ${SECRET}`, "idempotency-key": "delivery-1" };
    const first = await world.hook("deploy-failed", failed, headers);
    const again = await world.hook("deploy-failed", failed, headers);
    const other = await world.hook("deploy-failed", failed, { ...headers, "idempotency-key": "delivery-2" });

    expect(first.status).toBe(202);
    expect(again).toEqual(first);
    expect(other.body.run_id).not.toBe(first.body.run_id);
    expect(await sessionCount(world)).toBe(2);
    expect((await world.hook("deploy-failed", failed, { ...headers, "idempotency-key": "k".repeat(300) })).status).toBe(
      400,
    );
  });

  it("records a skip for a paused trigger", async () => {
    world = await TriggerWorld.start([deploy]);
    await world.store.triggers.setPaused("deploy-failed", true);
    const answer = await world.hook("deploy-failed", failed);
    expect(answer).toEqual({ status: 200, body: { skipped: "paused", run_id: expect.stringMatching(/^r_/) } });
    expect(await sessionCount(world)).toBe(0);
  });
});
