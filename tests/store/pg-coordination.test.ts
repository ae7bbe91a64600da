import pg from "pg";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { WorkKind } from "../../src/store/coordination.js";
import { PgCoordination } from "../../src/store/postgres/pg-coordination.js";
import { openPgStore } from "../../src/store/postgres/pg-store.js";
import type { Store } from "../../src/store/store.js";
import { waitFor } from "../support/wait.js";
import { createTestDatabase, type TestDatabase } from "./pg-test-database.js";

/*
 * Coordination between gateways on one PostgreSQL database: presence that ends with a process's
 * connection, a role one holds at a time, and wake-ups on committed work. On a database of its own.
 */

let made: Promise<TestDatabase> | undefined;
const database = (): Promise<TestDatabase> => {
  made ??= createTestDatabase();
  return made;
};
const opened: { leave(): Promise<void> }[] = [];
let store: Store | undefined;

afterEach(async () => {
  await Promise.all(opened.splice(0).map((coordination) => coordination.leave()));
  await store?.close();
  store = undefined;
});
afterAll(async () => {
  await (await made?.catch(() => undefined))?.drop();
});

async function gateway(): Promise<PgCoordination> {
  const { url } = await database();
  if (!store) store = await openPgStore({ url });
  const coordination = new PgCoordination({ url });
  opened.push(coordination);
  return coordination;
}

/** The advisory lock namespace of a gateway's presence (see pg-coordination.ts). */
const PRESENCE = 0x63670021;

/** Ends a coordination's connection from the server side, as when its process is killed. */
async function killConnectionOf(owner: string): Promise<void> {
  const { url } = await database();
  const other = await openPgStore({ url }, { migrate: false });
  try {
    await other.db.run(
      `SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN gateway_instances i ON l.objid = i.id::oid
       WHERE l.locktype = 'advisory' AND l.classid = $1::oid AND l.objsubid = 2 AND i.owner = $2`,
      [PRESENCE, owner],
    );
  } finally {
    await other.close();
  }
}

describe("PostgreSQL coordination", () => {
  it("names a gateway gone once its connection ends, never one alive or one that never joined", async () => {
    const b = await gateway();
    await b.join("host:2:bbb");
    // A gateway whose process will be killed: its presence as PgCoordination keeps it, on a plain connection.
    const { url } = await database();
    const doomed = new pg.Client({ connectionString: url });
    await doomed.connect();
    const { rows } = await doomed.query<{ id: number }>(
      "INSERT INTO gateway_instances (owner, joined_at) VALUES ('host:1:aaa', now()) RETURNING id",
    );
    await doomed.query("SELECT pg_advisory_lock($1, $2)", [PRESENCE, rows[0]?.id]);
    expect(await b.members()).toBe(2);
    expect(await b.gone(["host:1:aaa", "cli:9:ccc"])).toEqual([]);
    await doomed.end();
    const gone = await waitFor(async () => {
      const found = await b.gone(["host:1:aaa", "host:2:bbb", "cli:9:ccc"]);
      return found.length > 0 ? found : undefined;
    }, "the killed gateway named gone");
    expect(gone).toEqual(["host:1:aaa"]);
    expect(await b.members()).toBe(1);
  });

  it("lets one gateway hold a role; it passes on when the holder resigns or its connection ends", async () => {
    const a = await gateway();
    const b = await gateway();
    await a.join("host:1:aaa");
    await b.join("host:2:bbb");
    let lost = 0;
    a.onLost(() => {
      lost++;
    });
    expect(await a.tryLead("telegram-poll:1")).toBe(true);
    expect(await b.tryLead("telegram-poll:1")).toBe(false);
    expect(await b.tryLead("telegram-poll:2")).toBe(true);
    await b.resign("telegram-poll:2");
    expect(await a.tryLead("telegram-poll:2")).toBe(true);
    await killConnectionOf("host:1:aaa");
    await waitFor(() => lost > 0, "a told that it lost its roles");
    await waitFor(() => b.tryLead("telegram-poll:1"), "b taking the role over");
  });

  it("carries announcements to the other gateways, folded, and not back to their sender", async () => {
    const a = await gateway();
    const b = await gateway();
    const heardByA: WorkKind[] = [];
    const heardByB: WorkKind[] = [];
    a.onWork((kind) => heardByA.push(kind));
    b.onWork((kind) => heardByB.push(kind));
    await a.join("host:1:aaa");
    await b.join("host:2:bbb");
    for (let index = 0; index < 5; index++) a.announce("turns");
    a.announce("outbox");
    await waitFor(() => heardByB.includes("turns") && heardByB.includes("outbox"), "b woken");
    // What was pending when a leaves is still sent.
    a.announce("turns");
    await a.leave();
    await waitFor(() => heardByB.length === 3, "the announcement sent on leaving");
    expect(heardByB.sort()).toEqual(["outbox", "turns", "turns"]);
    expect(heardByA).toEqual([]);
  });
});
