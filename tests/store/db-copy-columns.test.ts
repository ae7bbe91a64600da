import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { copyDatabase } from "../../src/store/copy/db-copy.js";
import type { CopyEndpoint } from "../../src/store/copy/endpoint.js";
import { pgEndpoint } from "../../src/store/copy/pg-endpoint.js";
import { sqliteEndpoint } from "../../src/store/copy/sqlite-endpoint.js";
import { openPgStore } from "../../src/store/postgres/pg-store.js";
import { openStore } from "../../src/store/sqlite/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { makeTempDir } from "../support/temp-dirs.js";
import { accept, accepted, claimOptions } from "./contract/contract-helpers.js";
import { createTestDatabase, type TestDatabase } from "./pg-test-database.js";

/*
 * `gateway db copy` carries the columns later migrations added (an outbox row's file, an inbound
 * row's deferred look-ups, a turn's open native stream) both ways, not only the row counts the
 * e2e test checks.
 */

let made: Promise<TestDatabase> | undefined;
afterAll(async () => {
  const database = await made?.catch(() => undefined);
  await database?.drop();
});

const file = { path: "/srv/gateway/files/f-1.pdf", name: "report.pdf", mimeType: "application/pdf", size: 1234 };
/** Long ago, so the copied turn's lease has run out and a reclaim shows its stream. */
const longAgo = () => 1_000_000;

/** A conversation with a deferred message, a running turn with an open stream, a file reply and a streamed answer. */
async function seed(
  store: Store,
): Promise<{ sessionId: string; turnId: number; outboxId: number; streamedId: number }> {
  const first = accepted(await accept(store, "telegram:1", "look", { deferred: '{"files":["F1"]}' }));
  const claimed = await store.queue.claim(first.session.id, claimOptions("proc-a", 1_000));
  if (!claimed) throw new Error("nothing claimed");
  await store.leases.setStream(claimed.turn.id, "1700000000.000900");
  const outboxId = await store.outbox.enqueue({
    sessionId: first.session.id,
    channel: "telegram",
    conversationKey: "telegram:1",
    kind: "answer",
    text: "the report",
    file,
  });
  const streamedId = await store.outbox.enqueue({
    sessionId: first.session.id,
    channel: "slack",
    conversationKey: "slack:T1/C1/1700000000.000100",
    kind: "answer",
    text: "streamed",
    streamedAs: "1700000000.000901",
  });
  return { sessionId: first.session.id, turnId: claimed.turn.id, outboxId, streamedId };
}

async function expectCarried(store: Store, seeded: Awaited<ReturnType<typeof seed>>) {
  const [inbound] = await store.queue.inboundOfSession(seeded.sessionId);
  expect(inbound?.deferred).toBe('{"files":["F1"]}');
  expect((await store.outbox.get(seeded.outboxId))?.file).toEqual(file);
  expect(await store.outbox.get(seeded.streamedId)).toMatchObject({
    endsStream: true,
    sentParts: ["1700000000.000901"],
  });
  const taken = await store.leases.reclaim(seeded.turnId, "proc-b", 60_000);
  expect(taken?.streamMessageId).toBe("1700000000.000900");
}

async function copy(from: CopyEndpoint, to: CopyEndpoint): Promise<void> {
  try {
    await copyDatabase(from, to);
  } finally {
    await from.close();
    await to.close();
  }
}

describe("db copy: the newer columns", () => {
  it("carries an outbox file, deferred look-ups and an open stream from SQLite to PostgreSQL and back", async () => {
    made ??= createTestDatabase();
    const dir = makeTempDir("cg-copy-columns-");
    const source = join(dir, "source.db");
    const sqlite = openStore(source, { clock: longAgo });
    const seeded = await seed(sqlite);
    await sqlite.close();

    const url = await (await made).schemaUrl("copy_columns");
    await copy(sqliteEndpoint(source), pgEndpoint({ url }));
    const back = join(dir, "back.db");
    // Copied back before the PostgreSQL store reclaims the turn (which changes its lease).
    await copy(pgEndpoint({ url }), sqliteEndpoint(back));

    const postgres = await openPgStore({ url });
    try {
      await expectCarried(postgres, seeded);
    } finally {
      await postgres.close();
    }
    const returned = openStore(back);
    try {
      await expectCarried(returned, seeded);
    } finally {
      await returned.close();
    }
  });
});
