import { afterAll } from "vitest";
import { describeStoreContract } from "./contract/store-contract.js";
import { createTestDatabase, type TestDatabase } from "./pg-test-database.js";
import { postgresHarness } from "./postgres-harness.js";

/*
 * The store contract on PostgreSQL: one database for this file (created on the server, dropped
 * afterwards), and one schema per store inside it, dropped after each test. Without a reachable
 * server every test fails (its store cannot be opened); none is skipped.
 */

let made: Promise<TestDatabase> | undefined;
const testDatabase = (): Promise<TestDatabase> => {
  made ??= createTestDatabase();
  return made;
};
afterAll(async () => {
  const database = await made?.catch(() => undefined);
  await database?.drop();
});

describeStoreContract("PostgreSQL", () => postgresHarness(testDatabase));
