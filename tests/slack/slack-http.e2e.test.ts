import { describe, expect, it } from "vitest";
import { waitUntil } from "../fakes/fake-channel.js";
import { BOT_ID, BOT_USER } from "../fakes/fake-slack.js";
import { eventCallback, messageEvent, postSigned, type SlackWorld, slackWorlds } from "./slack-world.js";

const start = slackWorlds();
const ALL = { states: ["active", "inactive", "archived"] as ("active" | "inactive" | "archived")[] };

async function sessionCount(w: SlackWorld): Promise<number> {
  return (await w.h.store.sessions.list(ALL)).length;
}

describe("Slack Events API ingress", () => {
  it("refuses bad, missing, old and future signatures with 401 and stores nothing", async () => {
    const w = await start();
    const body = JSON.stringify(eventCallback(messageEvent({ channel: "D1", dm: true, text: "hi", ts: "1.1" })));
    const now = Math.floor(Date.now() / 1000);
    expect((await postSigned(w.h.port, body, { signature: "v0=deadbeef" })).status).toBe(401);
    expect((await postSigned(w.h.port, body, { signature: null })).status).toBe(401);
    expect((await postSigned(w.h.port, body, { timestamp: now - 330 })).status).toBe(401);
    expect((await postSigned(w.h.port, body, { timestamp: now + 330 })).status).toBe(401);
    // Within five minutes either way is fine.
    expect((await postSigned(w.h.port, body, { timestamp: now + 200 })).status).toBe(200);
    await waitUntil(async () => (await sessionCount(w)) === 1);
    expect(w.h.fake.requests.length).toBeLessThanOrEqual(1);
  });

  it("answers url_verification, a signed ssl_check, and 400 for a malformed body; an unsigned ssl_check reaches nothing", async () => {
    const w = await start();
    const challenge = await postSigned(w.h.port, JSON.stringify({ type: "url_verification", challenge: "c-123" }));
    expect(challenge).toEqual({ status: 200, body: JSON.stringify({ challenge: "c-123" }) });
    const form = "application/x-www-form-urlencoded";
    expect((await postSigned(w.h.port, "ssl_check=1&token=x", { contentType: form })).status).toBe(200);
    expect((await postSigned(w.h.port, "ssl_check=1&token=x", { contentType: form, signature: null })).status).toBe(
      401,
    );
    expect((await postSigned(w.h.port, "{not json")).status).toBe(400);
    expect((await postSigned(w.h.port, "payload=%7Bbroken", { contentType: form })).status).toBe(400);
    // Interactivity (a button press): form-encoded JSON in `payload`, acknowledged, nothing stored.
    const action = JSON.stringify({ type: "block_actions", team: { id: "T1" }, user: { id: "U1" }, actions: [] });
    const pressed = await postSigned(w.h.port, `payload=${encodeURIComponent(action)}`, { contentType: form });
    expect(pressed.status).toBe(200);
    expect(await sessionCount(w)).toBe(0);
  });

  it("answers one mention once, although it arrives as message and app_mention and is retried", async () => {
    const w = await start();
    const ts = "1700000100.000100";
    await w.deliver(messageEvent({ channel: "C1", mention: true, text: "what is 2+2?", ts }), "EvA");
    await w.deliver(
      messageEvent({ channel: "C1", mention: true, text: "what is 2+2?", ts, type: "app_mention" }),
      "EvB",
    );
    await w.deliver(messageEvent({ channel: "C1", mention: true, text: "what is 2+2?", ts }), "EvA", {
      "x-slack-retry-num": "1",
      "x-slack-retry-reason": "http_timeout",
    });
    await waitUntil(() => w.replies("C1", ts).length === 1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(w.h.fake.requests).toHaveLength(1);
    expect(w.replies("C1", ts)).toEqual(["echo: what is 2+2?"]);
    const [session] = await w.h.store.sessions.list(ALL);
    expect(session?.conversationKey).toBe(`slack:T1:C1:${ts}`);
  });

  it("ignores our own messages, other apps, edits, deletions and unmentioned channel messages", async () => {
    const w = await start();
    const ours = { bot_id: BOT_ID };
    await w.deliver(messageEvent({ channel: "C1", user: BOT_USER, mention: true, text: "echo", ts: "1.1" }));
    await w.deliver(messageEvent({ channel: "C1", mention: true, text: "from an app", ts: "1.2", extra: ours }));
    await w.deliver(
      messageEvent({
        channel: "C1",
        text: "",
        ts: "1.3",
        extra: { subtype: "message_changed", message: { text: `<@${BOT_USER}> edited`, user: "U1", ts: "1.0" } },
      }),
    );
    await w.deliver(messageEvent({ channel: "C1", text: "", ts: "1.4", extra: { subtype: "message_deleted" } }));
    await w.deliver(messageEvent({ channel: "C1", text: "just chatting", ts: "1.5" }));
    expect(await sessionCount(w)).toBe(0);
    expect(w.h.fake.requests).toHaveLength(0);
  });

  it("answers 503 when the message cannot be stored, so Slack delivers it again", async () => {
    const w = await start();
    await w.h.gateway.stop(50);
    const body = JSON.stringify(eventCallback(messageEvent({ channel: "D1", dm: true, text: "hi", ts: "2.1" })));
    expect((await postSigned(w.h.port, body)).status).toBe(503);
  });
});
