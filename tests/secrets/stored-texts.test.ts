import { afterEach, describe, expect, it } from "vitest";
import type { OutboundMessage } from "../../src/gateway/channel.js";
import { secrets } from "../../src/secrets/secret-registry.js";
import { FakeChannel, waitUntil } from "../fakes/fake-channel.js";
import { GatewayHarness } from "../gateway/gateway-harness.js";

/** Error texts that are stored and shown to people carry no configured secret (issue 15). */
const SECRET = "stored-texts-secret-6e5d4c3b2a";
secrets.add(SECRET);

/** A platform whose client puts its token into every error, as grammY's does into URLs. */
class LeakyChannel extends FakeChannel {
  override async send(_message: OutboundMessage): Promise<{ messageId: string }> {
    throw new Error(`request to http://127.0.0.1:1/bot${SECRET}/sendMessage failed, reason: connect ECONNREFUSED`);
  }
}

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("stored and shown error texts", () => {
  it("an outbox row's error keeps the platform's words but not the token", async () => {
    const channel = new LeakyChannel();
    harness = await GatewayHarness.start([channel]);
    const h = harness;
    await channel.deliver({ conv: "dm-a", text: "hello", id: "1" });
    const failed = () =>
      h.store.db.prepare<[], { error: string }>("SELECT error FROM outbox WHERE error IS NOT NULL").get();
    await waitUntil(() => failed() !== undefined);
    const row = failed();
    expect(row?.error).toContain("sendMessage failed");
    expect(row?.error).toContain("[redacted]");
    expect(row?.error).not.toContain(SECRET);
  });

  it("a model error becomes a turn error and an answer without the secret", async () => {
    const channel = new FakeChannel();
    harness = await GatewayHarness.start([channel]);
    const h = harness;
    h.fake.reply({ kind: "status", status: 400, message: `invalid key ${SECRET} for this model` });
    await channel.deliver({ conv: "dm-a", text: "hello", id: "1" });
    await channel.waitFor((sends) => sends.length === 1);
    const answer = channel.sends[0]?.text ?? "";
    expect(answer).toMatch(/^Sorry, I could not answer: /);
    expect(answer).not.toContain(SECRET);
    const turn = h.store.db.prepare<[], { error: string | null }>("SELECT error FROM turns").get();
    expect(turn?.error).toContain("[redacted]");
    expect(turn?.error).not.toContain(SECRET);
  });
});
