import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { approvalYamlText, toolAnswer } from "../approvals/approval-world.js";
import type { ChildGateway } from "../crash/child-gateway.js";
import type { FakeOpenAi } from "../fakes/fake-openai.js";
import { postWebhookUpdate } from "../fakes/fake-telegram.js";
import { DocsFolder } from "../mcp/mcp-world.js";
import { blockActions, eventCallback, lastButtons, messageEvent, postSigned } from "../slack/slack-world.js";
import { waitFor } from "../support/wait.js";
import { InstancesWorld } from "./instances-world.js";
import { WEBHOOK_SECRET } from "./platform-world.js";

let world: InstancesWorld | undefined;
let docs: DocsFolder | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
  docs?.cleanup();
  docs = undefined;
});

type Keyboard = { inline_keyboard: { text: string; callback_data: string }[][] };

const DONE = "Done: the file is written.";

/** A model that writes `<word>.txt` when the user says `write <word>`, then says what the tool answered. */
function scriptWriters(model: FakeOpenAi, dir: string): void {
  model.fallback = (body) => {
    const last = body.messages.at(-1);
    if (last?.role === "user") {
      const word = /write (\w+)/.exec(JSON.stringify(last.content))?.[1] ?? "note";
      const path = join(dir, `${word}.txt`);
      const call = { id: `call_${model.requests.length}`, name: "files__write_file" };
      return { kind: "tools", calls: [{ ...call, arguments: JSON.stringify({ path, content: `for ${word}` }) }] };
    }
    const answer = toolAnswer(body) ?? "";
    return { kind: "text", text: answer.startsWith("error:") ? `Not done: ${answer}` : DONE };
  };
}

/** The instance whose lease holds the running turn of the channel's one session, and the other one. */
async function runnerAndOther(here: InstancesWorld, channel: string): Promise<[ChildGateway, ChildGateway]> {
  const owner = await here.sql(async (client) => {
    const result = await client.query<{ lease_owner: string }>(
      "SELECT t.lease_owner FROM turns t JOIN sessions s ON s.id = t.session_id WHERE s.channel = $1 AND t.state = 'running'",
      [channel],
    );
    return result.rows[0]?.lease_owner;
  });
  // Owner ids are host:pid:random.
  const pid = Number(owner?.split(":").at(-2));
  const runner = here.instances.find((instance) => instance.child.pid === pid);
  const other = here.instances.find((instance) => instance !== runner);
  if (!runner || !other) throw new Error(`no instance runs the ${channel} turn (owner ${owner})\n${here.logs()}`);
  return [runner, other];
}

function telegramTexts(here: InstancesWorld): string[] {
  return here.telegram.callsOf("sendMessage").map((params) => String(params.text));
}

/** Every instance stops cleanly (SIGTERM drains and exits 0). */
async function stopAll(here: InstancesWorld): Promise<void> {
  for (const instance of here.instances) expect(await instance.stop(), here.logs()).toEqual({ code: 0, signal: null });
}

/**
 * Two `gateway start` instances on one PostgreSQL database: what a person presses or types reaches
 * whichever instance the platform (or the load balancer) picks, not necessarily the one running the turn.
 */
describe("controls that reach the instance that does not run the turn", () => {
  it("an Approve pressed there (Telegram callback, Slack block_actions) runs the tool once and the turn goes on", async () => {
    const folder = new DocsFolder();
    docs = folder;
    const here = await InstancesWorld.create({ delayMs: () => 0, yaml: approvalYamlText(folder) });
    world = here;
    scriptWriters(here.model, folder.dir);
    const first = await here.start({ webhook: true });
    await here.start({ webhook: true });

    const update = here.telegram.privateText("please write tg");
    expect((await postWebhookUpdate(`${first.url}/telegram/webhook`, update, WEBHOOK_SECRET)).status).toBe(200);
    const approve = await waitFor(
      () =>
        here.telegram
          .callsOf("sendMessage")
          .flatMap((params) => (params.reply_markup as Keyboard | undefined)?.inline_keyboard.flat() ?? [])
          .find((button) => button.text === "Approve"),
      () => `the Telegram request\n${here.logs()}`,
    );
    const requestMessage = here.telegram.lastSent(here.telegram.user.id);
    const [, telegramOther] = await runnerAndOther(here, "telegram");
    const callback = here.telegram.callbackQuery(
      approve.callback_data,
      requestMessage ? { message: requestMessage } : {},
    );
    const pressed = await postWebhookUpdate(`${telegramOther.url}/telegram/webhook`, callback, WEBHOOK_SECRET);
    expect(pressed.status).toBe(200);

    const root = "1700009100.000100";
    const event = messageEvent({ channel: "C1", user: "U1", text: "please write sl", ts: root, mention: true });
    expect((await postSigned(first.port, JSON.stringify(eventCallback(event)))).status).toBe(200);
    await waitFor(
      () => lastButtons(here, "C1", root).buttons.length === 3,
      () => `the Slack request\n${here.logs()}`,
    );
    const [, slackOther] = await runnerAndOther(here, "slack");
    const { ts, buttons } = lastButtons(here, "C1", root);
    const [approveButton] = buttons;
    if (!approveButton) throw new Error("no Approve button");
    const form = new URLSearchParams({ payload: JSON.stringify(blockActions("U1", "C1", root, ts, approveButton)) });
    const press = await postSigned(slackOther.port, form.toString(), {
      contentType: "application/x-www-form-urlencoded",
    });
    expect(press.status).toBe(200);

    const slackReplies = () =>
      here.slack
        .botMessages("C1")
        .filter((message) => message.thread_ts === root && !message.streaming)
        .map((message) => message.text);
    await waitFor(
      () => telegramTexts(here).includes(DONE) && slackReplies().includes(DONE),
      () =>
        `both answers\ntelegram: ${JSON.stringify(telegramTexts(here))}\nslack: ${JSON.stringify(slackReplies())}\n${here.logs()}`,
    );
    for (const word of ["tg", "sl"]) {
      const path = join(folder.dir, `${word}.txt`);
      expect(existsSync(path) ? readFileSync(path, "utf8") : undefined).toBe(`for ${word}`);
    }
    await stopAll(here);

    const why = here.logs();
    expect(
      telegramTexts(here).filter((text) => text === DONE),
      why,
    ).toHaveLength(1);
    expect(
      slackReplies().filter((text) => text === DONE),
      why,
    ).toHaveLength(1);
    const facts = await here.sql(async (client) => ({
      approvals: (
        await client.query<{ channel: string; state: string; decided_by: string; ran: boolean }>(
          "SELECT s.channel, a.state, a.decided_by, a.ran_at IS NOT NULL AS ran FROM tool_approvals a JOIN sessions s ON s.id = a.session_id ORDER BY s.channel",
        )
      ).rows,
      toolResults: (
        await client.query<{ channel: string; n: string }>(
          "SELECT s.channel, count(*) AS n FROM messages m JOIN sessions s ON s.id = m.session_id WHERE m.kind = 'tool_result' GROUP BY s.channel ORDER BY s.channel",
        )
      ).rows,
      turns: (await client.query<{ state: string; attempts: number }>("SELECT state, attempts FROM turns")).rows,
    }));
    expect(facts.approvals, why).toEqual([
      { channel: "slack", state: "approved", decided_by: "slack:U1", ran: true },
      { channel: "telegram", state: "approved", decided_by: `telegram:${here.telegram.user.id}`, ran: true },
    ]);
    expect(facts.toolResults, why).toEqual([
      { channel: "slack", n: "1" },
      { channel: "telegram", n: "1" },
    ]);
    expect(facts.turns, why).toEqual([
      { state: "completed", attempts: 1 },
      { state: "completed", attempts: 1 },
    ]);
  });

  it("a stop received there ends the running turn within seconds, answered once", async () => {
    const here = await InstancesWorld.create({ delayMs: () => 0, yaml: "triggers: []\n" });
    world = here;
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    here.model.beforeReply = () => held;
    const first = await here.start({ webhook: true });
    await here.start({ webhook: true });

    const update = here.telegram.privateText("a long job");
    expect((await postWebhookUpdate(`${first.url}/telegram/webhook`, update, WEBHOOK_SECRET)).status).toBe(200);
    await waitFor(
      () => here.model.active.size === 1,
      () => `the model request\n${here.logs()}`,
    );
    const [, other] = await runnerAndOther(here, "telegram");
    const asked = Date.now();
    const stop = here.telegram.privateText("/stop");
    expect((await postWebhookUpdate(`${other.url}/telegram/webhook`, stop, WEBHOOK_SECRET)).status).toBe(200);
    await waitFor(
      () =>
        here.sql(
          async (client) => (await client.query("SELECT 1 FROM turns WHERE state = 'cancelled'")).rowCount === 1,
        ),
      () => `the turn cancelled\n${here.logs()}`,
    );
    const tookMs = Date.now() - asked;
    release();
    await waitFor(
      () => telegramTexts(here).includes("Stopped."),
      () => `"Stopped."; sent ${JSON.stringify(telegramTexts(here))}\n${here.logs()}`,
    );
    await stopAll(here);

    const why = `${JSON.stringify(telegramTexts(here))}\n${here.logs()}`;
    expect(tookMs, why).toBeLessThan(5000);
    expect(
      telegramTexts(here).filter((text) => text === "Stopped."),
      why,
    ).toHaveLength(1);
    // Nobody ran the stopped message again.
    expect(here.model.requests, why).toHaveLength(1);
    const rows = await here.sql(async (client) => ({
      inbound: (await client.query<{ state: string }>("SELECT state FROM inbound ORDER BY id")).rows,
      turns: (await client.query<{ state: string }>("SELECT state FROM turns ORDER BY id")).rows,
    }));
    expect(rows.turns, why).toEqual([{ state: "cancelled" }]);
    expect(
      rows.inbound.every((row) => row.state === "answered"),
      why,
    ).toBe(true);
  });
});
