import { afterEach, describe, expect, it } from "vitest";
import { ConsoleAuth } from "../../src/console/console-auth.js";
import type { ConsoleDeps } from "../../src/console/console-deps.js";
import { queuesPage } from "../../src/console/queues-page.js";
import { sessionPage } from "../../src/console/session-page.js";
import { sessionsPage } from "../../src/console/sessions-page.js";
import { secrets } from "../../src/secrets/secret-registry.js";
import { openStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.js";

const SECRET = "page-test-secret-5d1f0a";
const signed = { operator: "ann", csrf: "csrf-token" };

let store: SqliteStore | undefined;

afterEach(async () => {
  await store?.close();
  store = undefined;
});

function deps(opened: SqliteStore): ConsoleDeps {
  return {
    store: opened,
    auth: new ConsoleAuth(opened.console, { operators: [], secureCookie: false, sessionMs: 1000 }, Date.now),
    isPrivate: (session) => session.sharing === "private",
    experts: ["default"],
    channels: ["telegram"],
    clock: Date.now,
    wakeOutbox: () => undefined,
  };
}

const bodyOf = (response: { body?: unknown }) => String(response.body);

/** The console's pages rendered in-process: what a transcript shows, and what never shows. */
describe("console pages", () => {
  it("a session shows tool calls and results, attachments, the compaction summary and usage; secrets never", async () => {
    secrets.add(SECRET);
    store = openStore(":memory:");
    const session = await store.sessions.create({
      channel: "telegram",
      conversationKey: "telegram:-5",
      expert: "default",
      origin: "chat",
      owner: "telegram:7",
      title: "<script>alert(1)</script>",
    });
    await store.transcript.append(session.id, [
      {
        kind: "user",
        content: `the key is ${SECRET}`,
        senderName: "Ann",
        attachments: JSON.stringify([{ kind: "image", name: "plan.png", mimeType: "image/png", size: 2048 }]),
      },
      { kind: "tool_call", content: '{"query":"tides"}', toolName: "web_search", toolCallId: "c1" },
      { kind: "tool_result", content: "high tide at 6", toolName: "web_search", toolCallId: "c1", toolOk: false },
      { kind: "assistant", content: "High tide is at six.", expert: "default" },
    ]);
    await store.transcript.appendSummary(session.id, "Ann asked about the tides.", 2);
    const page = bodyOf(await sessionPage(session, new URLSearchParams(), signed, deps(store)));
    expect(page).toContain("tool call: web_search");
    expect(page).toContain("{&#34;query&#34;:&#34;tides&#34;}");
    expect(page).toContain("tool result: web_search (failed)");
    expect(page).toContain("Attachment: plan.png (image/png, 2048 bytes)");
    expect(page).toContain("compaction summary");
    expect(page).toContain("Ann asked about the tides.");
    expect(page).toContain("the key is [redacted]");
    expect(page).not.toContain(SECRET);
    expect(page).not.toContain("<script>");
    expect(page).toContain("&#60;script&#62;");
    expect(page).toContain('name="csrf" value="csrf-token"');
  });

  it("the sessions page filters by owner and origin and marks private sessions with the lock", async () => {
    store = openStore(":memory:");
    const mine = await store.sessions.create({
      channel: "telegram",
      conversationKey: "telegram:1",
      expert: "default",
      origin: "chat",
      owner: "telegram:1",
      title: "mine",
    });
    await store.sessions.setSharing(mine.id, "private");
    await store.sessions.create({
      channel: "telegram",
      conversationKey: "telegram:2",
      expert: "default",
      origin: "chat",
      owner: "telegram:2",
      title: "theirs",
    });
    const page = bodyOf(await sessionsPage(new URLSearchParams({ owner: "telegram:1" }), signed, deps(store)));
    expect(page).toContain(">mine<");
    expect(page).not.toContain(">theirs<");
    expect(page).toContain('class="badge private"');
    const none = bodyOf(await sessionsPage(new URLSearchParams({ origin: "trigger" }), signed, deps(store)));
    expect(none).toContain("No sessions match.");
  });

  it("the queues page lists failing replies with their last error, and Retry and Give up", async () => {
    store = openStore(":memory:");
    const id = await store.outbox.enqueue({
      sessionId: null,
      channel: "telegram",
      conversationKey: "telegram:9",
      kind: "answer",
      text: "the answer",
    });
    await store.outbox.retryAt(id, Date.now() + 60_000, "HTTP 502 from the platform", true);
    const page = bodyOf(await queuesPage(new URLSearchParams(), signed, deps(store)));
    expect(page).toContain("HTTP 502 from the platform");
    expect(page).toContain('action="/admin/outbox/retry"');
    expect(page).toContain('action="/admin/outbox/give-up"');
    expect(page).toContain("No turn is running.");
  });
});
