import { afterEach, beforeEach, describe } from "vitest";
import type { Store } from "../../../src/store/store.js";
import { approvalContract } from "./approval-contract.js";
import { consoleContract } from "./console-contract.js";
import { deferredContract } from "./deferred-contract.js";
import { leaseContract } from "./lease-contract.js";
import { memoryContract } from "./memory-contract.js";
import { migrationContract } from "./migration-contract.js";
import { outboxContract } from "./outbox-contract.js";
import { paceContract } from "./pace-contract.js";
import { queueContract } from "./queue-contract.js";
import { sessionContract } from "./session-contract.js";
import { triggerContract } from "./trigger-contract.js";
import { turnLeaseContract } from "./turn-lease-contract.js";
import { usageContract } from "./usage-contract.js";

/** What the contract needs from a backend: fresh stores on a clock it controls, and old schemas. */
export interface StoreBackendHarness {
  /** A store on a new, empty database, migrated, reading time from `clock`. */
  openFresh(clock: () => number): Promise<Store>;
  /** The schema versions the backend ships, oldest first. */
  readonly versions: readonly number[];
  /**
   * A new database left at schema `version` (0: nothing at all) holding, from version 1 on, one
   * active chat session `s_seeded` (channel `telegram`, key `telegram:seed`, Expert `default`)
   * that is its key's current one, with one user message "seeded harbour lantern"; then opened
   * as a store the way the gateway opens it, migrating to the newest version.
   */
  openFrom(version: number, clock: () => number): Promise<{ store: Store; applied: number[]; version: number }>;
  /** Removes every database this harness made. */
  cleanup(): Promise<void>;
}

/** A clock the tests move by hand: every read is one millisecond later, so writes are ordered. */
export class TestClock {
  now = 1_000_000;
  readonly read = (): number => {
    this.now += 1;
    return this.now;
  };
  advance(ms: number): void {
    this.now += ms;
  }
}

/** The fixture every part of the contract shares, refreshed before each test. */
export interface ContractContext {
  store: Store;
  clock: TestClock;
  harness: StoreBackendHarness;
}

/** The parts of the contract, each a `describe` of its own over the shared context. */
const contractParts = {
  sessions: sessionContract,
  queue: queueContract,
  deferred: deferredContract,
  leases: leaseContract,
  turnLeases: turnLeaseContract,
  outbox: outboxContract,
  pacing: paceContract,
  usage: usageContract,
  triggers: triggerContract,
  memory: memoryContract,
  approvals: approvalContract,
  console: consoleContract,
  migrations: migrationContract,
} as const;

export type ContractPart = keyof typeof contractParts;

/**
 * The store contract: every backend of the Store port runs it, by adding one test file that
 * passes its harness (see `tests/store/sqlite.contract.test.ts`). A variant of a backend (another
 * server setup) may run only the `parts` its difference touches.
 */
export function describeStoreContract(
  name: string,
  makeHarness: () => StoreBackendHarness,
  parts: readonly ContractPart[] = Object.keys(contractParts) as ContractPart[],
): void {
  describe(`store contract: ${name}`, () => {
    const context = {} as ContractContext;
    beforeEach(async () => {
      context.harness = makeHarness();
      context.clock = new TestClock();
      context.store = await context.harness.openFresh(context.clock.read);
    });
    afterEach(async () => {
      await context.store.close();
      await context.harness.cleanup();
    });
    for (const part of parts) contractParts[part](context);
  });
}
