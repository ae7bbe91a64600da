import { spawnSync } from "node:child_process";
import { describe, expect } from "vitest";
import { openStore } from "../../src/store/sqlite/sqlite-store.js";
import { CLI_PATH, cliTest as it, parseJson, type SessionJson, waitFor } from "../cli/run-cli.js";
import { Gate, userTexts } from "../gateway/gateway-harness.js";
import { startChild } from "../support/child-processes.js";
import { ChatProcess, chat, occurrences, oneLineFailure } from "./chat-helpers.js";

/** util-linux `script`, to run the chat in a pseudo-terminal; the PTY test is skipped without it. */
const hasScript = spawnSync("script", ["--version"], { stdio: "ignore" }).status === 0;

describe.concurrent("gateway chat", () => {
  it("streams the answer to a prompt and exits 0 when the input ends", async ({ cli: { fake, box } }) => {
    const midStream = new Gate();
    midStream.close();
    const pieces = ["alpha ", "beta"];
    fake.reply({ kind: "text", text: "alpha beta", pieces, pause: { afterPieces: 1, until: midStream.wait() } });
    const term = new ChatProcess(box);
    try {
      term.type("hello there");
      // The first piece shows while the model still holds the second: streamed, not printed at the end.
      await term.shows("alpha");
      expect(term.stdout).not.toContain("beta");
      midStream.open();
      await term.shows("alpha beta");
      const result = await term.end();
      expect(result.code, result.stderr).toBe(0);
      expect(occurrences(result.stdout, "alpha beta")).toBe(1);
      const id = /chat-gateway · session (s_\w+)/.exec(result.stderr)?.[1];
      expect(id).toBeDefined();
      expect(result.stderr).toContain(`continue it with: gateway chat --session ${id}`);
      expect(userTexts(fake.requests[0])).toEqual(["hello there"]);
    } finally {
      midStream.open();
      term.kill();
    }
  });

  it("answers everything typed before the input ended", async ({ cli: { fake, box } }) => {
    const result = await chat(box, ["first question", "second question"]);
    expect(result.stdout).toContain("echo: second question");
    const asked = fake.requests.flatMap((request) => userTexts(request));
    expect(asked).toContain("first question");
    expect(asked).toContain("second question");
  });

  it("/help lists the commands and /status shows the session, without calling the model", async ({
    cli: { fake, box },
  }) => {
    const result = await chat(box, ["/help", "/status"]);
    for (const usage of ["/new [EXPERT]", "/sessions", "/resume ID", "/status", "/mode collect|followup"]) {
      expect(result.stdout).toContain(usage);
    }
    const id = /session (s_\w+)/.exec(result.stderr)?.[1] ?? "?";
    expect(result.stdout).toContain(`Session ${id}`);
    expect(result.stdout).toContain("Expert default · model fake-model · mode collect");
    expect(fake.requests).toHaveLength(0);
  });

  it("queues lines typed while an answer is on its way and answers them together", async ({ cli: { fake, box } }) => {
    const gate = new Gate();
    gate.close();
    fake.beforeReply = (body) =>
      userTexts(body).includes("one") && fake.requests.length === 1 ? gate.wait() : undefined;
    const term = new ChatProcess(box);
    try {
      term.type("one");
      await waitFor(() => fake.requests.length === 1, "the first request");
      term.type("two", "three", "/queue");
      await term.shows("2. three");
      expect(term.stdout).toContain("I'll answer this together");
      // The input ends while the first answer is still held: everything typed must still be answered.
      term.closeInput();
      gate.open();
      const result = await term.end();
      expect(result.code, result.stderr).toBe(0);
      expect(fake.requests).toHaveLength(2);
      expect(userTexts(fake.requests[1])).toEqual(["one", "two", "three"]);
      expect(result.stdout).toContain("echo: one");
      expect(result.stdout).toContain("echo: three");
    } finally {
      gate.open();
      term.kill();
    }
  });

  it("--session continues a CLI session with its history; sessions list shows it", async ({ cli: { fake, box } }) => {
    const first = await chat(box, ["my name is Ada"]);
    const id = /session (s_\w+)/.exec(first.stderr)?.[1] ?? "?";
    const second = await chat(box, ["what is my name?"], ["--session", id.slice(0, 5)]);
    expect(second.stderr).toContain(`session ${id}`);
    expect(fake.requests).toHaveLength(2);
    const history = fake.requests[1]?.messages ?? [];
    expect(userTexts(fake.requests[1])).toEqual(["my name is Ada", "what is my name?"]);
    expect(history.some((m) => m.role === "assistant" && m.content === "echo: my name is Ada")).toBe(true);

    const listed = parseJson<SessionJson[]>(await box.run(["sessions", "list", "--json"]));
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      id,
      channel: "cli",
      origin: "cli",
      owner: "cli:local",
      conversation_key: `cli:${id}`,
    });
  });

  it("after /new, the closing hint names the session the chat ended in", async ({ cli: { fake, box } }) => {
    const result = await chat(box, ["/new", "hello again"]);
    const started = /Started a new session (s_\w+)/.exec(result.stdout)?.[1];
    expect(started, result.stdout).toBeDefined();
    expect(result.stdout).toContain("echo: hello again");
    expect(fake.requests).toHaveLength(1);
    // Following the hint must continue the conversation just had, not the session the chat started with.
    expect(result.stderr).toContain(`continue it with: gateway chat --session ${started}`);
    // The new session is a CLI session, named after its first message, so `run --continue` finds it.
    const store = openStore(box.db);
    const session = await store.sessions.get(started ?? "");
    await store.close();
    expect(session).toMatchObject({ origin: "cli", channel: "cli", title: "hello again" });
  });

  it("--session of a session of another channel is refused with one line", async ({ cli: { fake, box } }) => {
    const store = openStore(box.db);
    const telegram = await store.sessions.create({
      channel: "telegram",
      conversationKey: "telegram:555",
      expert: "default",
      origin: "chat",
    });
    await store.close();
    const refused = oneLineFailure(await box.run(["chat", "--session", telegram.id]));
    expect(refused).toContain(telegram.id);
    expect(refused).toContain("telegram");
    expect(oneLineFailure(await box.run(["chat", "--session", "s_nosuch"]))).toContain("s_nosuch");
    expect(fake.requests).toHaveLength(0);
  });

  it("--expert with an unknown name fails naming the known Experts", async ({ cli: { box } }) => {
    const stderr = oneLineFailure(await box.run(["chat", "--expert", "nope"]));
    expect(stderr).toContain('"nope"');
    expect(stderr).toContain("default");
    const listed = parseJson<SessionJson[]>(await box.run(["sessions", "list", "--json"]));
    expect(listed).toEqual([]);
  });

  it.skipIf(!hasScript)("works in a terminal: prompt, echo, answer, Ctrl-D", async ({ cli: { fake, box } }) => {
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI_PATH)} chat`;
    const term = startChild("script", ["-qfec", command, "/dev/null"], {
      cwd: box.dir,
      env: { ...box.env(), TERM: "dumb" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const screen = () => term.stdout + term.stderr;
    try {
      await waitFor(
        () => screen().includes("> "),
        () => `the prompt; screen:\n${screen()}`,
      );
      term.child.stdin?.write("hello pty\r");
      await waitFor(
        () => /echo: hello pty\r?\n> /.test(screen()),
        () => `the answer and a new prompt; screen:\n${screen()}`,
      );
      term.child.stdin?.write("\x04");
      expect((await term.waitForExit("gateway chat in a terminal")).code).toBe(0);
      expect(screen()).toContain("saved; continue it with: gateway chat --session s_");
      expect(userTexts(fake.requests[0])).toEqual(["hello pty"]);
    } finally {
      await term.dispose();
    }
  });
});
