import { afterAll } from "vitest";
import { describeStoreContract } from "./contract/store-contract.js";
import { createTestDatabase, createTestRole, type TestDatabase, type TestRole } from "./pg-test-database.js";
import { postgresHarness } from "./postgres-harness.js";

/*
 * The contract's search parts on a PostgreSQL database where the unaccent extension cannot be
 * made: the stores connect as a role without the CREATE privilege on the database, so migration
 * 009 keeps accent-sensitive search. Search must still be ranked, with snippets, and migrating
 * older schemas must still work.
 */

let made: Promise<{ database: TestDatabase; role: TestRole }> | undefined;
const setup = () => {
  made ??= createTestDatabase().then(async (database) => ({ database, role: await createTestRole(database) }));
  return made;
};
afterAll(async () => {
  const done = await made?.catch(() => undefined);
  await done?.database.drop();
  await done?.role.drop();
});

describeStoreContract(
  "PostgreSQL without the unaccent extension",
  () =>
    postgresHarness(
      async () => (await setup()).database,
      async () => (await setup()).role,
    ),
  ["memory", "deferred", "migrations"],
);
