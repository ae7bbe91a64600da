import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../fakes/fake-channel.js";
import { DocsFolder } from "../mcp/mcp-world.js";
import { currentSession, shownTexts, startTelegramWorld, type TelegramWorld } from "../telegram/telegram-world.js";
import { approvalSetup, NOTE, noteText, scriptWriter, toolAnswer, writeResults } from "./approval-world.js";

let world: TelegramWorld | undefined;
let docs: DocsFolder | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
  docs?.cleanup();
  docs = undefined;
});

type Keyboard = { inline_keyboard: { text: string; callback_data: string }[][] };

/** Starts a Telegram world whose Expert may write files (asking first), and the user's request. */
async function askToWrite(options: { approvalTimeoutMs?: number } = {}) {
  docs = new DocsFolder();
  world = await startTelegramWorld({ gateway: { ...approvalSetup(docs), ...options } });
  const { telegram, harness } = world;
  scriptWriter(harness.fake, docs.dir);
  telegram.privateText("please write the note");
  const withKeyboard = () =>
    telegram
      .callsOf("sendMessage")
      .find((params) => (params.reply_markup as Keyboard | undefined)?.inline_keyboard !== undefined);
  await waitUntil(
    () => withKeyboard() !== undefined,
    () => `the request; sent ${JSON.stringify(telegram.callsOf("sendMessage").map((p) => p.text))}`,
  );
  const request = withKeyboard() ?? {};
  const buttons = (request.reply_markup as Keyboard).inline_keyboard.flat();
  const requestMessage = telegram.lastSent(telegram.user.id);
  if (!requestMessage) throw new Error("no request message");
  const session = await currentSession(world, `telegram:${telegram.user.id}`);
  return { telegram, harness, request, buttons, requestMessage, session };
}

describe("tool approvals on Telegram", () => {
  it("asks with Approve / Deny / Always buttons; Approve runs the tool once and the answer follows", async () => {
    const { telegram, harness, request, buttons, requestMessage, session } = await askToWrite();
    expect(String(request.text)).toContain("files.write_file");
    expect(String(request.text)).toContain(NOTE.content);
    const [approval] = await harness.store.approvals.listOfSession(session.id);
    expect(buttons).toEqual([
      { text: "Approve", callback_data: `cmd:approve ${approval?.id}` },
      { text: "Deny", callback_data: `cmd:deny ${approval?.id}` },
      { text: "Always allow in this session", callback_data: `cmd:always ${approval?.id}` },
    ]);
    // Nothing runs while the request waits, and the model is not held.
    expect(noteText(docs as DocsFolder)).toBeUndefined();
    expect(harness.fake.active.size).toBe(0);

    telegram.callbackQuery(`cmd:approve ${approval?.id}`, { message: requestMessage });
    await waitUntil(() => shownTexts(telegram, telegram.user.id).includes("Done: the note is written."));
    expect(noteText(docs as DocsFolder)).toBe(NOTE.content);
    expect(await writeResults(harness, session.id)).toHaveLength(1);
    expect(toolAnswer(harness.fake.requests.at(-1))).not.toMatch(/^error/);
    const decided = await harness.store.approvals.get(approval?.id ?? 0);
    expect(decided).toMatchObject({ state: "approved", decidedBy: `telegram:${telegram.user.id}` });
    expect(decided?.ranAt).not.toBeNull();
    // The request now shows the outcome and who decided, without buttons.
    await waitUntil(() =>
      shownTexts(telegram, telegram.user.id).some((text) => text.includes(`Approved by telegram:${telegram.user.id}`)),
    );
    expect(telegram.callsOf("answerCallbackQuery")).toEqual([expect.not.objectContaining({ text: expect.anything() })]);
  });

  it("a press by someone else is refused (a toast for them alone) and decides nothing", async () => {
    const { telegram, harness, requestMessage, session } = await askToWrite();
    const [approval] = await harness.store.approvals.listOfSession(session.id);
    const stranger = { id: 5_000_000_777, is_bot: false, first_name: "Eve" };
    telegram.callbackQuery(`cmd:approve ${approval?.id}`, { message: requestMessage, from: stranger });
    await waitUntil(() => telegram.callsOf("answerCallbackQuery").length === 1);
    expect(telegram.callsOf("answerCallbackQuery")[0]?.text).toBe(
      "Only the person who asked (or an admin) can decide this request.",
    );
    expect((await harness.store.approvals.get(approval?.id ?? 0))?.state).toBe("pending");
    expect(noteText(docs as DocsFolder)).toBeUndefined();

    telegram.callbackQuery(`cmd:deny ${approval?.id}`, { message: requestMessage });
    await waitUntil(() => shownTexts(telegram, telegram.user.id).some((text) => text.startsWith("Not done: ")));
    expect(noteText(docs as DocsFolder)).toBeUndefined();
  });

  it("a request nobody decides times out as a denial the model is told about", async () => {
    const { telegram, harness, session } = await askToWrite({ approvalTimeoutMs: 300 });
    await waitUntil(() => shownTexts(telegram, telegram.user.id).some((text) => text.startsWith("Not done: ")));
    expect(toolAnswer(harness.fake.requests.at(-1))).toMatch(/^error: denied: .*timed out/);
    const [approval] = await harness.store.approvals.listOfSession(session.id);
    expect(approval).toMatchObject({ state: "denied", decidedBy: "timeout", reason: "timed out", ranAt: null });
    expect(noteText(docs as DocsFolder)).toBeUndefined();
    await waitUntil(() =>
      shownTexts(telegram, telegram.user.id).some((text) => text.includes("Denied by timeout (timed out)")),
    );
  });

  it("/stop while a request waits denies it (naming who) and ends the turn; the tool never runs", async () => {
    const { telegram, harness, session } = await askToWrite();
    telegram.privateText("/stop");
    await waitUntil(async () => (await harness.store.approvals.listOfSession(session.id))[0]?.state === "denied");
    const [approval] = await harness.store.approvals.listOfSession(session.id);
    expect(approval).toMatchObject({ decidedBy: `telegram:${telegram.user.id}`, reason: "stopped", ranAt: null });
    await waitUntil(async () => !(await harness.store.queue.isRunning(session.id)));
    await waitUntil(() =>
      shownTexts(telegram, telegram.user.id).some((text) =>
        text.includes(`Denied by telegram:${telegram.user.id} (stopped)`),
      ),
    );
    expect(noteText(docs as DocsFolder)).toBeUndefined();
    // The turn ended as stopped.
    await waitUntil(() => shownTexts(telegram, telegram.user.id).includes("Stopped."));
  });
});
