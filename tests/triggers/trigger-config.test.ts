import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load-config.js";
import { passesFilter, renderPrompt } from "../../src/triggers/payload.js";
import { makeTempDir, removeTempDir } from "../support/temp-dirs.js";

let dir: string;
beforeEach(() => {
  dir = makeTempDir("cg-triggers-");
});
afterEach(() => removeTempDir(dir));

function load(lines: string[], env: Record<string, string> = {}) {
  const path = join(dir, "gateway.yml");
  writeFileSync(path, `${lines.join("\n")}\n`);
  return loadConfig({ env: { GATEWAY_CONFIG: path, ...env }, cwd: dir });
}

const trigger = (...body: string[]) => ["triggers:", "  - name: t1", "    prompt: hi", ...body.map((l) => `    ${l}`)];

describe("triggers in the YAML", () => {
  it("fills in the defaults and reads the webhook secret from the variable it names", () => {
    const config = load(trigger("webhook:", "  secret_env: T1_SECRET"), { T1_SECRET: "abc" });
    expect(config.triggers[0]).toMatchObject({ destination: "none", archive: "on_finish", webhook: { filter: [] } });
    expect(config.webhookSecrets).toEqual({ T1_SECRET: "abc" });
  });

  it("takes a loopback destination and a schedule with a time zone", () => {
    const config = load(
      trigger(
        "schedule:",
        '  cron: "0 8 * * 1-5"',
        "  timezone: Asia/Tokyo",
        "destination:",
        "  loopback:",
        "    conversation: ops",
      ),
    );
    expect(config.triggers[0]).toMatchObject({
      schedule: { cron: "0 8 * * 1-5", timezone: "Asia/Tokyo" },
      destination: { loopback: { conversation: "ops" } },
    });
  });

  it.each([
    [trigger(), "needs a schedule, a webhook, or both"],
    [trigger("schedule:", '  cron: "every day"'), "triggers.0.schedule.cron: not a cron expression"],
    [trigger("schedule:", '  cron: "0 8 * * *"', "  timezone: Mars/Base"), 'triggers.0.schedule.timezone: "Mars/Base"'],
    [trigger("webhook:", "  secret_env: lower"), "must name an environment variable"],
    [
      [...trigger("webhook:", "  secret_env: A"), "  - name: t1", "    prompt: x", "    webhook: {secret_env: B}"],
      '"t1" is used twice',
    ],
    [trigger("webhook: {secret_env: A}", "destination: {fax: {number: 1}}"), "triggers.0.destination"],
  ])("refuses a bad trigger (%#)", (lines, message) => {
    expect(() => load(lines)).toThrow(message);
  });
});

describe("prompt templates and filters", () => {
  const payload = { a: { b: [{ c: 1 }] }, s: "x", n: null, flag: false };

  it("fills placeholders from the payload; missing values are empty", () => {
    expect(
      renderPrompt(
        "{{payload.s}}/{{ payload.a.b.0.c }}/{{payload.nope.deeper}}/{{payload.n}}/{{payload.flag}}",
        payload,
      ),
    ).toBe("x/1///false");
    expect(renderPrompt("{{payload.a}} {{other}}", payload)).toBe('{"b":[{"c":1}]} {{other}}');
    expect(renderPrompt("{{payload.s}}", "just a string")).toBe("");
  });

  it("passes when every path equals its value", () => {
    expect(passesFilter([], payload)).toBe(true);
    expect(
      passesFilter(
        [
          { path: "a.b.0.c", equals: 1 },
          { path: "flag", equals: false },
        ],
        payload,
      ),
    ).toBe(true);
    expect(passesFilter([{ path: "a.b.0.c", equals: "1" }], payload)).toBe(false);
    expect(passesFilter([{ path: "n", equals: null }], payload)).toBe(true);
    expect(passesFilter([{ path: "missing", equals: null }], payload)).toBe(false);
  });
});
