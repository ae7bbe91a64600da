import { afterEach, describe, expect, it } from "vitest";
import type { ChildGateway } from "../crash/child-gateway.js";
import { eventCallback, messageEvent } from "../slack/slack-world.js";
import { sleep, waitFor } from "../support/wait.js";
import { Random, seedsAtLeast } from "./fault-seeds.js";
import { InstancesWorld } from "./instances-world.js";
import { expectSharedWorkHeld, waitAnsweredAndSettled } from "./multi-instance-checks.js";

let world: InstancesWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

const CONVERSATIONS = 16;
const MESSAGES = 3;
const GREETED = "1700099000.000100";

/**
 * Slack Socket Mode with several gateways: each instance opens its own connection; Slack gives each
 * envelope to one of them, and one not acked in time again to another (`retry_attempt`), whether the
 * first is slow or dead. The fake does the same, and sometimes sends an event twice on purpose.
 */
describe.each(seedsAtLeast(1))("seed %i: Slack Socket Mode on three instances", (seed) => {
  it("events spread over the connections, some delivered twice to different ones, one instance killed: each answered once", async () => {
    const random = new Random(seed);
    const here = await InstancesWorld.create({ delayMs: () => random.int(20, 250) });
    world = here;
    for (let index = 0; index < 3; index++) await here.start({ webhook: true, socket: true });
    await waitFor(
      () => here.slack.socketCount === 3,
      () => `three Socket Mode connections\n${here.logs()}`,
    );
    const slack = here.slack;
    const anyConnection = () => random.int(0, slack.socketCount - 1);
    const otherConnection = (than: number) => (than + random.int(1, slack.socketCount - 1)) % slack.socketCount;

    // An agent-view thread opens; Slack delivers the event on two connections (a retry with an event id of its own).
    const opened = {
      type: "assistant_thread_started",
      assistant_thread: { user_id: "U1", channel_id: "D1", thread_ts: GREETED, context: { channel_id: "C9" } },
      event_ts: GREETED,
    };
    slack.sendEnvelopeTo(0, "events_api", eventCallback(opened, `Ev-${seed}-opened`));
    slack.sendEnvelopeTo(1, "events_api", eventCallback(opened, `Ev-${seed}-opened-again`), { retry_attempt: 1 });
    const greetings = () => slack.botMessages("D1").filter((message) => message.thread_ts === GREETED);
    // Greeted before the kill below can land: a greeting cut off by it would not come again.
    await waitFor(
      () => greetings().length > 0,
      () => `the greeting\n${here.logs()}`,
    );

    const victim = here.instances[random.int(0, 2)] as ChildGateway;
    // Killed mid-traffic: with turns running, replies being sent and envelopes on their way to it.
    const killAt = random.int(CONVERSATIONS, CONVERSATIONS * 2);
    let sent = 0;
    const tag = `${seed}k${random.int(1000, 9999)}`;
    const texts: string[] = [];
    let twice = 0;
    for (let n = 1; n <= MESSAGES; n++) {
      for (const conversation of random.shuffle(Array.from({ length: CONVERSATIONS }, (_, index) => index))) {
        const text = `m${tag}-k${conversation}-${n}`;
        texts.push(text);
        const root = `${1_700_100_000 + seed * 1000 + conversation}.000100`;
        const ts = n === 1 ? root : `${root.slice(0, -1)}${n}`;
        const event = messageEvent({ channel: "C1", text, ts, mention: true, ...(n > 1 ? { threadTs: root } : {}) });
        const payload = eventCallback(event, `Ev-${tag}-${conversation}-${n}`);
        if (sent++ === killAt) victim.kill();
        await sleep(random.int(0, 40));
        const to = anyConnection();
        const envelope = slack.sendEnvelopeTo(to, "events_api", payload);
        const again = random.int(0, 5);
        if (slack.socketCount < 2) continue;
        // Slack's retry of the same envelope elsewhere, or the same event in an envelope of its own.
        if (again === 0) slack.redeliver(envelope, otherConnection(to));
        else if (again === 1) slack.sendEnvelopeTo(otherConnection(to), "events_api", payload, { retry_attempt: 1 });
        else continue;
        twice++;
      }
      await sleep(random.int(100, 500));
    }
    expect(await victim.exited).toEqual({ code: null, signal: "SIGKILL" });
    expect(twice, "events delivered twice").toBeGreaterThan(0);
    // What the killed instance never acked, Slack delivers again to a live connection.
    await waitFor(
      async () => {
        if (slack.unackedIds.length === 0) return true;
        await sleep(1000);
        for (const envelope of slack.unackedIds) slack.redeliver(envelope, anyConnection());
        return false;
      },
      () => `every envelope acked; ${slack.unackedIds.length} not\n${here.logs()}`,
    );
    await waitAnsweredAndSettled(here, texts);
    await expectSharedWorkHeld(here, texts);
    const why = here.logs();
    // Slack finds a reply sent before its instance died by its metadata: not even that window shows.
    for (const text of texts) expect(here.answers(text), `answers to ${text}\n${why}`).toHaveLength(1);
    // The thread was greeted once, whichever instances got its event.
    expect(greetings(), why).toHaveLength(1);
    const stored = await here.sql(
      async (client) =>
        (await client.query<{ text: string }>("SELECT text FROM inbound WHERE channel = 'slack' ORDER BY text")).rows,
    );
    expect(
      stored.map((row) => row.text),
      why,
    ).toEqual([...texts].sort());
    for (const instance of here.live()) expect(await instance.stop(), why).toEqual({ code: 0, signal: null });
  });
});
