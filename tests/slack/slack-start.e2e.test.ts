import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { describe, expect } from "vitest";
import { freePort, cliTest as it, lines, waitFor } from "../cli/run-cli.js";
import { FakeSlack } from "../fakes/fake-slack.js";
import { eventCallback, messageEvent, postSigned, SIGNING_SECRET } from "./slack-world.js";

/** The test's own hook: with concurrent tests, the imported `onTestFinished` may belong to another test. */
type OnFinished = (fn: () => void | Promise<void>) => void;

async function fakeSlack(onTestFinished: OnFinished): Promise<FakeSlack> {
  const slack = await new FakeSlack().start();
  onTestFinished(() => slack.stop());
  return slack;
}

/** The TCP ports a process listens on (Linux: its socket inodes matched against /proc/net/tcp{,6}). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      const target = (() => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return "";
        }
      })();
      const match = /^socket:\[(\d+)\]$/.exec(target);
      return match?.[1] ? [match[1]] : [];
    }),
  );
  const ports = new Set<number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const row of readFileSync(table, "utf8").split("\n").slice(1)) {
      const columns = row.trim().split(/\s+/);
      const [local, , state] = [columns[1], columns[2], columns[3]];
      if (state === "0A" && columns[9] && inodes.has(columns[9]))
        ports.add(Number.parseInt(local?.split(":")[1] ?? "", 16));
    }
  }
  return [...ports];
}

const slackEnv = (slack: FakeSlack, port: number) => ({
  PORT: String(port),
  HOST: "127.0.0.1",
  SLACK_BOT_TOKEN: "xoxb-test",
  SLACK_API_URL: slack.apiUrl,
  GATEWAY_ALLOW: "*",
});

describe.concurrent("gateway start with Slack", () => {
  it("connects over Socket Mode with the two tokens and answers a DM", async ({ cli: { box }, onTestFinished }) => {
    const slack = await fakeSlack(onTestFinished);
    const port = await freePort();
    const running = box.spawn(["start"], { ...slackEnv(slack, port), SLACK_APP_TOKEN: "xapp-test" });
    await waitFor(() => slack.socketCount === 1, "the Socket Mode connection");
    const ts = "1700004000.000100";
    slack.sendEnvelope("events_api", eventCallback(messageEvent({ channel: "D1", dm: true, text: "hello", ts })));
    await waitFor(() => slack.botMessages("D1").find((m) => m.thread_ts === undefined && !m.streaming), "the answer");
    expect(slack.botMessages("D1")[0]?.text).toBe("echo: hello");
    running.child.kill("SIGTERM");
    const exit = await running.done;
    expect(exit, exit.stderr).toMatchObject({ code: 0, signal: null });
  });

  it("in HTTP mode serves /slack/events on PORT and listens on nothing else", async ({
    cli: { box },
    onTestFinished,
  }) => {
    const slack = await fakeSlack(onTestFinished);
    const port = await freePort();
    const running = box.spawn(["start"], { ...slackEnv(slack, port), SLACK_SIGNING_SECRET: SIGNING_SECRET });
    const body = JSON.stringify(eventCallback(messageEvent({ channel: "D1", dm: true, text: "over http", ts: "2.1" })));
    // Until the channel has mounted its route, the server answers 404 (Slack retries those).
    const accepted = async () => (await postSigned(port, body).catch(() => undefined))?.status === 200;
    await waitFor(accepted, "POST /slack/events answered 200");
    expect(listeningPorts(running.child.pid ?? 0)).toEqual([port]);
    await waitFor(() => slack.botMessages("D1").length > 0, "the answer");
    running.child.kill("SIGTERM");
    expect((await running.done).code).toBe(0);
  });

  it("stops with one clear line when Slack refuses the app token", async ({ cli: { box }, onTestFinished }) => {
    const slack = await fakeSlack(onTestFinished);
    slack.connectionsOpenError = "invalid_auth";
    const result = await box.run(["start"], { ...slackEnv(slack, await freePort()), SLACK_APP_TOKEN: "xapp-bad" });
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toContain("SLACK_APP_TOKEN (invalid_auth)");
    expect(slack.callsOf("apps.connections.open")).toHaveLength(1);
  });
});
