import { describe, expect, it } from "vitest";
import { plainText } from "../../adapters/slack/slack-events.js";
import { MAX_MRKDWN_LENGTH, renderMrkdwn, toMrkdwnMessages } from "../../adapters/slack/slack-format.js";
import { signatureOf, verifySlackSignature } from "../../adapters/slack/slack-signature.js";

describe("Markdown → Slack mrkdwn", () => {
  it.each([
    ["**bold** and *it* and ~~gone~~", "*bold* and _it_ and ~gone~"],
    ["[docs](https://e.com/?a=1&b=2)", "<https://e.com/?a=1&amp;b=2|docs>"],
    ["<https://e.com>", "<https://e.com>"],
    ["[evil](javascript:alert(1))", "evil"],
    ["<!channel> & <@U123> <#C1>", "&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;#C1&gt;"],
    ["# Heading", "*Heading*"],
    ["- a\n- b\n  - c", "• a\n• b\n    • c"],
    ["1. x\n2. y", "1. x\n2. y"],
    ["> quoted **text**", "> quoted *text*"],
    ["`a < b`", "`a &lt; b`"],
    ["```js\nif (a < b && c) {}\n```", "```\nif (a &lt; b &amp;&amp; c) {}\n```"],
    ["| a | b |\n|---|---|\n| 1 | 2 |", "```\n| a | b |\n|---|---|\n| 1 | 2 |\n```"],
    ["**[label|with bar](https://e.com)**", "*<https://e.com|label¦with bar>*"],
    ["**a** **b**", "*a* *b*"],
  ])("%j → %j", (markdown, mrkdwn) => {
    expect(renderMrkdwn(markdown)).toBe(mrkdwn);
  });

  it("keeps every message at most 4,000 characters and closes code blocks it has to cut", () => {
    const code = Array.from({ length: 600 }, (_, i) => `x${i} = a < b`).join("\n");
    const parts = toMrkdwnMessages(`intro\n\n\`\`\`\n${code}\n\`\`\`\n\n${"word ".repeat(2000)}`);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(MAX_MRKDWN_LENGTH);
      expect((part.match(/```/g) ?? []).length % 2).toBe(0);
    }
    expect(parts.join("\n")).toContain("x599 = a &lt; b");
  });

  it("never sends an empty message", () => {
    expect(toMrkdwnMessages("")).toEqual([" "]);
    expect(toMrkdwnMessages("   \n\n")).toEqual([" "]);
  });
});

describe("Slack text → plain text", () => {
  it("turns mentions, channels and links back into what people see", () => {
    expect(plainText("hi <@U1|ada> in <#C1|ops>: see <https://e.com|the docs> &lt;b&gt; &amp; <!here>")).toBe(
      "hi @ada in #ops: see the docs (https://e.com) <b> & @here",
    );
  });
});

describe("request signatures", () => {
  const body = Buffer.from('{"type":"event_callback"}');
  const now = 1_700_000_000_000;
  const signed = (timestamp: number, secret = "s") => ({
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": `v0=${signatureOf(secret, String(timestamp), body)}`,
  });
  const check = (headers: Record<string, string>) =>
    verifySlackSignature({ signingSecret: "s", headers, body, nowMs: now });

  it("accepts a valid signature within five minutes either way", () => {
    expect(check(signed(now / 1000))).toEqual({ ok: true });
    expect(check(signed(now / 1000 - 300))).toEqual({ ok: true });
    expect(check(signed(now / 1000 + 300))).toEqual({ ok: true });
  });

  it("refuses a wrong secret, a changed body, stale or future timestamps and missing headers", () => {
    expect(check(signed(now / 1000, "other")).ok).toBe(false);
    expect(
      verifySlackSignature({ signingSecret: "s", headers: signed(now / 1000), body: Buffer.from("{}"), nowMs: now }).ok,
    ).toBe(false);
    expect(check(signed(now / 1000 - 301))).toEqual({ ok: false, reason: "timestamp more than 5 minutes off" });
    expect(check(signed(now / 1000 + 301))).toEqual({ ok: false, reason: "timestamp more than 5 minutes off" });
    expect(check({})).toEqual({ ok: false, reason: "missing signature headers" });
    expect(check({ ...signed(now / 1000), "x-slack-request-timestamp": "soon" }).ok).toBe(false);
  });
});
