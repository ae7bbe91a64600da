import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SlackAdapter } from "../../adapters/slack/slack-adapter.js";
import { loadConfig } from "../../src/config/load-config.js";
import { ConfigError } from "../../src/errors.js";
import { makeTempDir, removeTempDir } from "../support/temp-dirs.js";

describe("Slack configuration", () => {
  it("reads the thread reply mode and the API URL, with their defaults", () => {
    const cwd = makeTempDir("slack-config-");
    try {
      const defaults = loadConfig({ env: { SLACK_BOT_TOKEN: "xoxb-1" }, cwd }).slack;
      expect(defaults).toMatchObject({ botToken: "xoxb-1", apiUrl: "https://slack.com/api/", replyInThreads: "all" });
      const set = loadConfig({
        env: { SLACK_REPLY_IN_THREADS: "mentions", SLACK_API_URL: "http://127.0.0.1:9/api" },
        cwd,
      }).slack;
      expect(set).toMatchObject({ replyInThreads: "mentions", apiUrl: "http://127.0.0.1:9/api/" });
      expect(() => loadConfig({ env: { SLACK_REPLY_IN_THREADS: "some" }, cwd })).toThrow(/SLACK_REPLY_IN_THREADS/);
    } finally {
      removeTempDir(cwd);
    }
  });

  it("refuses a bot token without an app token or a signing secret", () => {
    expect(() => new SlackAdapter({ botToken: "xoxb-1", apiUrl: "http://x/", replyInThreads: "all" })).toThrow(
      ConfigError,
    );
  });
});

describe("manifest.yml", () => {
  const manifest = parse(readFileSync(new URL("../../manifest.yml", import.meta.url), "utf8"));

  it("asks for what the adapter uses: scopes, events, Socket Mode, the agent view and /gateway", () => {
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.features.agent_view).toBeDefined();
    expect(manifest.features.app_home.messages_tab_enabled).toBe(true);
    expect(manifest.features.slash_commands.map((c: { command: string }) => c.command)).toEqual(["/gateway"]);
    expect(manifest.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining([
        "app_mentions:read",
        "channels:history",
        "groups:history",
        "im:history",
        "mpim:history",
        "chat:write",
        "files:read",
        "files:write",
        "assistant:write",
        "commands",
        "users:read",
      ]),
    );
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(
      expect.arrayContaining(["app_mention", "message.channels", "message.groups", "message.im", "message.mpim"]),
    );
  });
});
