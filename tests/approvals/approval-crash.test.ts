import { afterEach, describe, expect, it } from "vitest";
import { ChildGateway, runCli, Sandbox, waitFor } from "../crash/child-gateway.js";
import { FakeOpenAi } from "../fakes/fake-openai.js";
import { FakeTelegram } from "../fakes/fake-telegram.js";
import { DocsFolder } from "../mcp/mcp-world.js";
import { cliEnv, NOTE, noteText, scriptWriter, toolAnswer } from "./approval-world.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Keyboard = { inline_keyboard: { text: string; callback_data: string }[][] };

describe("a tool approval across kill -9", () => {
  it("the request waits in the database: after a restart its Approve button runs the tool once", async () => {
    const sandbox = new Sandbox();
    const docs = new DocsFolder();
    const model = await new FakeOpenAi().start();
    const telegram = await new FakeTelegram({ maxPollMs: 200 }).start();
    const lives: ChildGateway[] = [];
    cleanups.push(
      () => sandbox.cleanup(),
      () => docs.cleanup(),
      () => model.stop(),
      () => telegram.stop(),
      async () => {
        for (const life of lives) life.kill();
        await Promise.all(lives.map((life) => life.exited.catch(() => undefined)));
      },
    );
    scriptWriter(model, docs.dir);
    const env = await cliEnv(sandbox, docs, model, [], {
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.url,
      GATEWAY_ALLOW: "*",
    });
    // The child gets a port of its own from ChildGateway.
    const { PORT: _cliPort, ...extra } = env;
    const options = {
      db: sandbox.db,
      home: sandbox.dir,
      modelUrl: model.url,
      platformUrl: "http://127.0.0.1:9/unused",
      extra,
    };
    const first = await ChildGateway.start(options);
    lives.push(first);
    telegram.privateText("please write the note");
    const button = await waitFor(
      () =>
        telegram
          .callsOf("sendMessage")
          .flatMap((params) => (params.reply_markup as Keyboard | undefined)?.inline_keyboard.flat() ?? [])
          .find((b) => b.text === "Approve"),
      () => `the request\n${first.output}`,
    );
    const requestMessage = telegram.lastSent(telegram.user.id);
    const modelCalls = model.requests.length;
    // Killed once the request is marked sent: a reply cut off mid-send is sent again, which is the outbox's concern.
    await waitFor(async () => {
      const health = await fetch(`${first.url}/healthz`).then((response) => response.json());
      return (health as { outbox_backlog?: number }).outbox_backlog === 0;
    }, "the request marked as sent");

    first.kill();
    expect((await first.exited).signal).toBe("SIGKILL");
    expect(noteText(docs)).toBeUndefined();

    const second = await ChildGateway.start(options);
    lives.push(second);
    telegram.callbackQuery(button.callback_data, requestMessage ? { message: requestMessage } : {});
    await waitFor(
      () => telegram.callsOf("sendMessage").some((params) => params.text === "Done: the note is written."),
      () => `the answer\n${second.output}`,
    );
    expect(noteText(docs)).toBe(NOTE.content);
    // One more model call, which read the tool's success; the request was never posted twice.
    expect(model.requests.length).toBe(modelCalls + 1);
    expect(toolAnswer(model.requests.at(-1))).not.toMatch(/^error/);
    const requests = telegram
      .callsOf("sendMessage")
      .filter((params) => (params.reply_markup as Keyboard | undefined)?.inline_keyboard !== undefined);
    expect(requests).toHaveLength(1);
    await second.stop();

    const list = await runCli(["sessions", "list", "--json"], env);
    const [session] = JSON.parse(list.stdout) as { id: string }[];
    const shown = JSON.parse((await runCli(["sessions", "show", session?.id ?? "", "--json"], env)).stdout) as {
      messages: { kind: string; tool_name?: string }[];
      approvals: { state: string; decided_by: string; ran_at: string | null }[];
    };
    expect(shown.approvals).toMatchObject([{ state: "approved", decided_by: `telegram:${telegram.user.id}` }]);
    expect(shown.approvals[0]?.ran_at).not.toBeNull();
    expect(shown.messages.filter((message) => message.kind === "tool_result")).toHaveLength(1);
  }, 180_000);
});
