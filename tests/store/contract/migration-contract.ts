import { describe, expect, it } from "vitest";
import { accept, accepted } from "./contract-helpers.js";
import type { ContractContext } from "./store-contract.js";

/** Migrations from an empty database and from every earlier version keep data and give a working store. */
export function migrationContract(c: ContractContext): void {
  describe("migrations", () => {
    it("ships at least one migration, numbered upwards", () => {
      expect(c.harness.versions.length).toBeGreaterThan(0);
      expect([...c.harness.versions].sort((a, b) => a - b)).toEqual(c.harness.versions);
    });

    it("migrates an empty database to the newest version, and the store works", async () => {
      const { store, applied, version } = await c.harness.openFrom(0, c.clock.read);
      try {
        expect(applied).toEqual(c.harness.versions);
        expect(version).toBe(c.harness.versions.at(-1));
        expect(accepted(await accept(store, "telegram:1", "hello")).session.state).toBe("active");
      } finally {
        await store.close();
      }
    });

    it("migrates from each earlier version, keeping the sessions and messages found there", async () => {
      const latest = c.harness.versions.at(-1);
      for (const from of c.harness.versions) {
        const { store, applied, version } = await c.harness.openFrom(from, c.clock.read);
        try {
          const why = `from version ${from}`;
          expect(applied, why).toEqual(c.harness.versions.filter((v) => v > from));
          expect(version, why).toBe(latest);
          expect((await store.sessions.current("telegram:seed"))?.id, why).toBe("s_seeded");
          expect(
            (await store.transcript.list("s_seeded")).map((entry) => entry.content),
            why,
          ).toEqual(["seeded harbour lantern"]);
          expect(
            (await store.sessions.search("harbour")).map((hit) => hit.session.id),
            why,
          ).toEqual(["s_seeded"]);
          const outcome = accepted(await accept(store, "telegram:seed", `after ${from}`));
          expect(outcome.session.id, why).toBe("s_seeded");
          await store.memories.create({
            type: "project",
            scope: "telegram:seed",
            userId: null,
            expert: null,
            content: "kept",
            sourceSessionId: null,
            sourceMessageId: null,
          });
          expect(await store.triggers.lastRuns(), why).toEqual(new Map());
        } finally {
          await store.close();
        }
      }
    });
  });
}
