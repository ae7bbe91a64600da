import { describe, expect, it } from "vitest";
import { userTexts } from "../gateway/gateway-harness.js";
import { waitFor } from "../support/wait.js";
import {
  type Button,
  blockActions,
  eventCallback,
  lastButtons,
  messageEvent,
  postSigned,
  press,
  type SlackWorld,
  slackWorlds,
} from "./slack-world.js";

const start = slackWorlds();

async function say(w: SlackWorld, text: string, ts: string, root: string, user = "U1"): Promise<void> {
  const before = w.replies("C1", root).length;
  await w.deliver(
    messageEvent({ channel: "C1", user, text, ts, ...(ts === root ? { mention: true } : { threadTs: root }) }),
  );
  await waitFor(() => w.replies("C1", root).length > before, `the answer to ${text}`);
}

describe("Slack Block Kit buttons", () => {
  it("offers Resume buttons under `sessions`; another person's press is refused to them alone, the asker's resumes", async () => {
    const w = await start();
    const root = "1700008000.000100";
    await say(w, "first topic", root, root);
    const [first] = await w.h.store.sessions.list({ states: ["active"] });
    await say(w, "!new", "1700008000.000200", root);
    await say(w, "second topic", "1700008000.000300", root);
    await say(w, "!sessions", "1700008000.000400", root);
    const { ts, buttons } = lastButtons(w, "C1", root);
    expect(buttons).toHaveLength(1);
    expect(JSON.parse(buttons[0]?.value ?? "{}")).toEqual({ command: `resume ${first?.id}`, for: "slack:U1" });
    const current = async () => (await w.h.store.sessions.current(`slack:T1:C1:${root}`))?.id;
    const second = await current();

    const refused = await press(w, "U2", "C1", root, ts, buttons[0] as Button);
    expect(refused.status).toBe(200);
    await waitFor(() => w.slack.ephemerals.length === 1, "the refusal");
    expect(w.slack.ephemerals[0]).toMatchObject({ channel: "C1", user: "U2", thread_ts: root });
    expect(w.slack.ephemerals[0]?.text).toContain("Only the person who asked");
    expect(await current()).toBe(second);

    const pressed = await press(w, "U1", "C1", root, ts, buttons[0] as Button);
    expect(pressed.status).toBe(200);
    await waitFor(async () => (await current()) === first?.id, "the resumed session");
    await waitFor(() => w.replies("C1", root).some((text) => text.startsWith("Resumed")), "the confirmation");
    await say(w, "back again", "1700008000.000500", root);
    expect(userTexts(w.h.fake.requests.at(-1))).toEqual(["first topic", "back again"]);
    // A press Slack sends again (same trigger) runs nothing twice.
    const again = await press(w, "U1", "C1", root, ts, buttons[0] as Button);
    expect(again.status).toBe(200);
    expect(w.replies("C1", root).filter((text) => text.startsWith("Resumed"))).toHaveLength(1);
  });

  it("offers Switch buttons under `expert`; an admin may press someone else's; a forged signature reaches nothing", async () => {
    const w = await start(
      {},
      { experts: [{ name: "writer", instructions: "You write." }], access: { allow: ["*"], admins: ["slack:U2"] } },
    );
    const root = "1700008100.000100";
    await say(w, "hello", root, root);
    await say(w, "!expert", "1700008100.000200", root);
    const { ts, buttons } = lastButtons(w, "C1", root);
    expect(buttons.map((b) => [b.text.text, JSON.parse(b.value).command])).toEqual([["writer", "expert writer"]]);
    const forged = new URLSearchParams({ payload: JSON.stringify({ type: "block_actions" }) }).toString();
    expect(
      (await postSigned(w.h.port, forged, { contentType: "application/x-www-form-urlencoded", signature: "v0=00" }))
        .status,
    ).toBe(401);
    expect((await press(w, "U2", "C1", root, ts, buttons[0] as Button)).status).toBe(200);
    const key = `slack:T1:C1:${root}`;
    await waitFor(async () => (await w.h.store.sessions.current(key))?.expert === "writer", "the switch");
    expect(w.slack.ephemerals).toEqual([]);
  });
});

describe("Slack Block Kit buttons over Socket Mode", () => {
  it("acks an interactive envelope and refuses a press by someone else in a DM, ephemerally", async () => {
    const w = await start(
      { appToken: "xapp-test", signingSecret: undefined },
      { experts: [{ name: "writer", instructions: "You write." }] },
    );
    await waitFor(() => w.slack.socketCount === 1, "the Socket Mode connection");
    w.slack.sendEnvelope(
      "events_api",
      eventCallback(messageEvent({ channel: "D1", dm: true, text: "!expert", ts: "1700008200.000100" })),
    );
    await waitFor(() => lastButtons(w, "D1", undefined).buttons.length > 0, "the Switch buttons in the DM");
    const { ts, buttons } = lastButtons(w, "D1", undefined);
    const writer = buttons.find((button) => button.text.text === "writer") as Button;
    const other = w.slack.sendEnvelope("interactive", blockActions("U2", "D1", undefined, ts, writer));
    await waitFor(() => w.slack.acks.some((ack) => ack.envelope_id === other), "the ack");
    await waitFor(() => w.slack.ephemerals.length === 1, "the refusal");
    expect(w.slack.ephemerals[0]).toMatchObject({ channel: "D1", user: "U2" });
    expect(w.slack.ephemerals[0]?.thread_ts).toBeUndefined();
    const own = w.slack.sendEnvelope("interactive", blockActions("U1", "D1", undefined, ts, writer));
    await waitFor(() => w.slack.acks.some((ack) => ack.envelope_id === own), "the ack");
    await waitFor(async () => (await w.h.store.sessions.current("slack:T1:D1"))?.expert === "writer", "the switch");
  });
});
