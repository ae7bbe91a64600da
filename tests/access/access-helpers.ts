import { expect } from "vitest";
import type { AcceptResult } from "../../src/gateway/channel.js";
import { type FakeChannel, type FakeInbound, waitUntil } from "../fakes/fake-channel.js";
import type { GatewayHarness } from "../gateway/gateway-harness.js";

/** Inbound rows stored in the whole database (refused messages must add none). */
export function inboundCount(h: GatewayHarness): number {
  const row = h.store.db.prepare("SELECT COUNT(*) AS n FROM inbound").get() as { n: number };
  return row.n;
}

/** Posts a chat command and returns the reply the gateway sent to it. */
export async function command(channel: FakeChannel, message: FakeInbound): Promise<string> {
  const result = await channel.deliver(message);
  expect(result, message.text).toEqual({ status: "command" });
  await channel.waitFor((sends) => sends.some((send) => send.replyToMessageId === message.id));
  return channel.sends.find((send) => send.replyToMessageId === message.id)?.text ?? "";
}

/** Posts a message that must be admitted and waits for its answer (the fake model echoes it). */
export async function answered(channel: FakeChannel, message: FakeInbound): Promise<string> {
  const result = await channel.deliver(message);
  expect(result, `${message.sender ?? "user1"}: ${message.text}`).toMatchObject({ status: "accepted" });
  await channel.waitFor((sends) => sends.some((send) => send.text === `echo: ${message.text}`));
  return sessionIdOf(result);
}

export function sessionIdOf(result: AcceptResult | Error): string {
  if (result instanceof Error) throw new Error(`not accepted: ${result.message}`);
  if (result.status !== "accepted") throw new Error(`not accepted: ${JSON.stringify(result)}`);
  return result.sessionId;
}

/** Waits until every outbox row went out, so "nothing more was sent" can be asserted. */
export async function outboxSettled(h: GatewayHarness): Promise<void> {
  await waitUntil(async () => (await h.store.outbox.list()).every((row) => row.state === "delivered"));
}
