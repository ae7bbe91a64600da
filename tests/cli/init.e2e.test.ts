import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { FakeSlack } from "../fakes/fake-slack.js";
import { FakeTelegram } from "../fakes/fake-telegram.js";
import { type CliSandbox, freePort, cliTest as it, lines, type RunningCli, waitFor } from "./run-cli.js";

/** Only what init wrote configures the gateway: the sandbox's model and database variables are removed. */
const fromFilesOnly = { OPENAI_BASE_URL: undefined, GATEWAY_MODEL: undefined, GATEWAY_DB: undefined };

function killAfterTest(running: RunningCli, onTestFinished: (fn: () => void) => void): void {
  onTestFinished(() => {
    if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill("SIGKILL");
  });
}

const written = (box: CliSandbox) => ({
  env: existsSync(join(box.dir, ".env")) ? readFileSync(join(box.dir, ".env"), "utf8") : undefined,
  yaml: existsSync(join(box.dir, "gateway.yml")) ? readFileSync(join(box.dir, "gateway.yml"), "utf8") : undefined,
});

describe.concurrent("gateway init", () => {
  it("--yes against the fake model and Telegram, then start answers a Telegram DM", async ({
    cli: { fake, box },
    onTestFinished,
  }) => {
    const telegram = await new FakeTelegram().start();
    onTestFinished(() => telegram.stop());
    const init = await box.run(
      ["init", "--yes", "--base-url", fake.url, "--model", "fake-model", "--telegram-api-root", telegram.url],
      { ...fromFilesOnly, TELEGRAM_BOT_TOKEN: telegram.token },
      60_000,
    );
    expect(init.code, init.stderr).toBe(0);
    expect(lines(init.stdout).slice(-2)).toEqual(["next, run:", "  gateway start"]);
    expect(statSync(join(box.dir, ".env")).mode & 0o777).toBe(0o600);
    const files = written(box);
    expect(files.env).toContain(`TELEGRAM_BOT_TOKEN=${telegram.token}\n`);
    expect(files.env).toContain("GATEWAY_CONFIG=gateway.yml\n");
    expect(files.yaml).toContain(`base_url: ${fake.url}`);
    expect(files.yaml).toContain("default: fake-model");
    expect(files.yaml).toContain(`api_root: ${telegram.url}`);
    expect(files.yaml).not.toContain(telegram.token);
    expect(init.stdout + init.stderr).not.toContain(telegram.token);

    // Nothing but the written files configures the gateway now (no TELEGRAM_* either).
    const running = box.spawn(["start"], { ...fromFilesOnly, PORT: String(await freePort()) });
    killAfterTest(running, onTestFinished);
    const chat = 4242;
    const user = { id: chat, is_bot: false, first_name: "Ada" };
    telegram.privateText("hello", { chatId: chat, from: user });
    const hint = await waitFor(() => telegram.lastSent(chat), "the access hint", 60_000);
    expect(hint.text).toContain(`gateway access allow telegram:${chat}`);
    const allow = await box.run(["access", "allow", `telegram:${chat}`], fromFilesOnly);
    expect(allow.code, allow.stderr).toBe(0);
    telegram.privateText("are you there?", { chatId: chat, from: user });
    const answer = await waitFor(
      () => (telegram.lastSent(chat)?.text?.startsWith("echo:") ? telegram.lastSent(chat) : undefined),
      "the model's answer",
      60_000,
    );
    expect(answer.text).toBe("echo: are you there?");
    running.child.kill("SIGTERM");
    expect((await running.done).code).toBe(0);
  });

  it("asks interactively, retries a refused token, points to manifest.yml and writes both files", async ({
    cli: { fake, box },
    onTestFinished,
  }) => {
    const telegram = await new FakeTelegram().start();
    const slack = await new FakeSlack().start();
    onTestFinished(async () => {
      await telegram.stop();
      await slack.stop();
    });
    const env = { ...fromFilesOnly, TELEGRAM_API_ROOT: telegram.url, SLACK_API_URL: slack.apiUrl };
    const running = box.spawn(["init"], env, { stdin: "pipe" });
    killAfterTest(running, onTestFinished);
    const answers = [
      fake.url,
      "sk-typed-key",
      "1",
      "y",
      "999:not-the-token",
      telegram.token,
      "yes",
      "xoxb-bot",
      "xapp-app",
    ];
    running.child.stdin?.end(`${answers.join("\n")}\n`);
    const result = await running.done;
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("1. fake-model");
    expect(result.stdout).toContain("Telegram refused the token: Unauthorized; try again");
    expect(result.stdout).toContain("Telegram: @gateway_bot");
    expect(result.stdout).toMatch(/Create an app from \/.*manifest\.yml/);
    expect(result.stdout).toContain("Slack: gateway in Test");
    for (const secret of ["sk-typed-key", "not-the-token", telegram.token, "xoxb-bot", "xapp-app"]) {
      expect(result.stdout + result.stderr).not.toContain(secret);
    }
    const files = written(box);
    expect(files.env).toContain("OPENAI_API_KEY=sk-typed-key\n");
    expect(files.env).toContain("SLACK_BOT_TOKEN=xoxb-bot\nSLACK_APP_TOKEN=xapp-app\n");
    expect(files.yaml).toContain(`api_url: ${slack.apiUrl}`);
    expect(lines(result.stdout).at(-1)).toBe("  gateway start");
    expect(slack.callsOf("auth.test")).toHaveLength(1);

    const doctor = await box.run(["doctor"], { ...fromFilesOnly, PORT: "0" });
    expect(doctor.code, doctor.stdout).toBe(0);
    expect(doctor.stdout).toMatch(/^ok\s+telegram: @gateway_bot/m);
    expect(doctor.stdout).toMatch(/^ok\s+slack: gateway in Test/m);
  });

  it("--yes writes nothing when a check fails, and says why", async ({ cli: { fake, box } }) => {
    const telegram = await new FakeTelegram().start();
    try {
      const closed = `http://127.0.0.1:${await freePort()}/v1`;
      const cases: [string[], Record<string, string | undefined>, string][] = [
        [
          ["--base-url", closed],
          {},
          `error: the model endpoint could not be reached (${closed}: ECONNREFUSED); check --base-url and the key`,
        ],
        [
          ["--base-url", fake.url, "--model", "gpt-9"],
          {},
          "error: the endpoint does not list gpt-9; it lists fake-model",
        ],
        [
          ["--base-url", fake.url, "--telegram-api-root", telegram.url],
          { TELEGRAM_BOT_TOKEN: "999:secret-wrong" },
          "error: Telegram refused the token: Unauthorized; check --telegram-token",
        ],
        [["--base-url", fake.url, "--telegram"], {}, "error: --telegram needs --telegram-token or TELEGRAM_BOT_TOKEN"],
        [["--base-url", "ftp://x"], {}, 'error: the endpoint URL must be an http(s) URL (got "ftp://x")'],
      ];
      const results = await Promise.all(
        cases.map(([args, env]) => box.run(["init", "--yes", ...args], { ...fromFilesOnly, ...env }, 60_000)),
      );
      for (const [index, result] of results.entries()) {
        expect(result.code, cases[index]?.[0].join(" ")).toBe(1);
        expect(lines(result.stderr)).toEqual([cases[index]?.[2]]);
        expect(result.stderr).not.toContain("secret-wrong");
      }
      expect(written(box)).toEqual({ env: undefined, yaml: undefined });
    } finally {
      await telegram.stop();
    }
  });

  it("never replaces an earlier setup without --force", async ({ cli: { fake, box } }) => {
    writeFileSync(join(box.dir, ".env"), "OPENAI_API_KEY=keep-me\n");
    const refused = await box.run(["init", "--yes", "--base-url", fake.url], fromFilesOnly);
    expect(refused.code).toBe(1);
    expect(lines(refused.stderr)).toEqual([`error: .env already exists in ${box.dir}; pass --force to replace them`]);
    expect(readFileSync(join(box.dir, ".env"), "utf8")).toBe("OPENAI_API_KEY=keep-me\n");
    const forced = await box.run(["init", "--yes", "--force", "--base-url", fake.url], fromFilesOnly);
    expect(forced.code, forced.stderr).toBe(0);
    // No channel set up: the next step is talking to the model in the terminal.
    expect(lines(forced.stdout).at(-1)).toBe("  gateway chat");
    expect(readFileSync(join(box.dir, ".env"), "utf8")).not.toContain("keep-me");
    expect(statSync(join(box.dir, ".env")).mode & 0o777).toBe(0o600);
  });
});
