import { describe, expect, it } from "vitest";
import type { QueueFacts, RoutingFacts } from "../../../src/store/queue-repository.js";
import {
  accept,
  accepted,
  chatSession,
  claimOptions,
  createChat,
  inbound,
  plainPolicy,
  scope,
} from "./contract-helpers.js";
import type { ContractContext } from "./store-contract.js";

const notice = (text: string) => ({
  sessionId: null,
  channel: "telegram",
  conversationKey: "telegram:1",
  kind: "notice" as const,
  text,
});

/** Accepting (routing and admission as decided), unique delivery keys, claiming turns. */
export function queueContract(c: ContractContext): void {
  describe("queue: accept and delivery keys", () => {
    it("creates the session a first message is routed to and queues the message", async () => {
      const outcome = accepted(await accept(c.store, "telegram:1", "hello"));
      expect(outcome).toMatchObject({ queued: false, notice: null, dropped: false });
      expect((await c.store.sessions.current("telegram:1"))?.id).toBe(outcome.session.id);
      expect((await c.store.queue.queued(outcome.session.id)).map((row) => row.text)).toEqual(["hello"]);
      expect((await c.store.queue.inboundOfSession(outcome.session.id))[0]).toMatchObject({
        id: outcome.inboundId,
        state: "queued",
        senderName: "Ann",
      });
    });

    it("drops a redelivery by any of its delivery keys, writing nothing", async () => {
      const first = accepted(await accept(c.store, "telegram:1", "a", { deliveryKeys: ["k1", "k2"] }));
      expect(await accept(c.store, "telegram:1", "a again", { deliveryKeys: ["k3", "k2"] })).toEqual({
        status: "duplicate",
      });
      expect(await c.store.queue.inboundOfSession(first.session.id)).toHaveLength(1);
      // k3 was not kept either: the whole accept was undone.
      expect((await accept(c.store, "telegram:1", "b", { deliveryKeys: ["k3"] })).status).toBe("accepted");
      expect(await c.store.queue.recordDelivery(["k1"])).toBe(false);
      expect(await c.store.queue.recordDelivery(["k9"], notice("done"))).toBe(true);
      expect(await c.store.queue.recordDelivery(["k9"])).toBe(false);
      expect((await c.store.outbox.list({ conversationKey: "telegram:1" })).map((row) => row.text)).toEqual(["done"]);
    });

    it("gives the policy the reply target and the current session, and reopens as routed", async () => {
      const old = accepted(await accept(c.store, "telegram:1", "first")).session;
      const rowId = await c.store.outbox.enqueue({
        sessionId: old.id,
        channel: "telegram",
        conversationKey: "telegram:1",
        kind: "answer",
        text: "a",
      });
      const row = await c.store.outbox.get(rowId);
      if (!row) throw new Error("no outbox row");
      await c.store.outbox.recordPart(row, ["m-1"]);
      await c.store.sessions.archive(old.id);
      const newer = await createChat(c.store, "telegram:1");
      const seen: RoutingFacts[] = [];
      const outcome = accepted(
        await c.store.queue.accept(
          inbound("telegram:1", "reply", { replyToMessageId: "m-1" }),
          plainPolicy({ seen: { routing: seen } }),
        ),
      );
      expect(seen[0]?.repliedTo?.id).toBe(old.id);
      expect(seen[0]?.current?.id).toBe(newer.id);
      expect(outcome.session).toMatchObject({ id: old.id, state: "active" });
      expect((await c.store.sessions.current("telegram:1"))?.id).toBe(old.id);
      expect((await c.store.sessions.get(newer.id))?.state).toBe("inactive");
    });

    it("writes the admission as decided: dropped, a notice, a title and an Expert", async () => {
      const session = await createChat(c.store, "telegram:1", { title: null });
      const seen: QueueFacts[] = [];
      const outcome = accepted(
        await c.store.queue.accept(
          inbound("telegram:1", "x"),
          plainPolicy({
            seen: { queue: seen },
            admit: () => ({
              dropped: true,
              queued: false,
              notice: { reason: "overflow", reply: notice("full") },
              title: "named",
              expert: "coder",
            }),
          }),
        ),
      );
      expect(seen).toEqual([{ queued: 0, running: false, lastDropped: false }]);
      expect(outcome).toMatchObject({
        dropped: true,
        notice: "overflow",
        session: { title: "named", expert: "coder" },
      });
      expect(await c.store.queue.queued(session.id)).toEqual([]);
      expect((await c.store.queue.inboundOfSession(session.id))[0]?.state).toBe("dropped");
      expect((await c.store.outbox.list({ conversationKey: "telegram:1" })).map((row) => row.text)).toEqual(["full"]);
      await c.store.queue.accept(inbound("telegram:1", "y"), plainPolicy({ seen: { queue: seen } }));
      await c.store.queue.claim(session.id, claimOptions());
      await c.store.queue.accept(inbound("telegram:1", "z"), plainPolicy({ seen: { queue: seen } }));
      expect(seen.slice(1)).toEqual([
        { queued: 0, running: false, lastDropped: true },
        { queued: 0, running: true, lastDropped: false },
      ]);
    });

    it("is all or nothing: a policy that fails leaves no session, message or key behind", async () => {
      const failing = plainPolicy({
        route: () => ({ create: { ...chatSession, conversationKey: "telegram:1" } }),
        admit: () => {
          throw new Error("policy failed");
        },
      });
      await expect(c.store.queue.accept(inbound("telegram:1", "x"), failing)).rejects.toThrow("policy failed");
      expect(await c.store.sessions.current("telegram:1")).toBeUndefined();
      expect(await c.store.sessions.list({ states: ["active", "inactive", "archived"] })).toEqual([]);
      expect((await accept(c.store, "telegram:1", "x")).status).toBe("accepted");
    });

    it("refuses: keys recorded, a notice when the policy gives one, with the last time told", async () => {
      const told: (number | undefined)[] = [];
      const policy = ({ lastNotifiedAt }: { lastNotifiedAt: number | undefined }) => {
        told.push(lastNotifiedAt);
        return lastNotifiedAt === undefined ? notice("ask an admin") : null;
      };
      expect(await c.store.queue.refuse(["r1"], "telegram:7", policy)).toBe("notified");
      expect(await c.store.queue.refuse(["r2"], "telegram:7", policy)).toBe("quiet");
      expect(await c.store.queue.refuse(["r2"], "telegram:7", policy)).toBe("duplicate");
      expect(told[0]).toBeUndefined();
      expect(told[1]).toEqual(expect.any(Number));
      expect((await c.store.outbox.list()).map((row) => row.text)).toEqual(["ask an admin"]);
      await expect(
        c.store.queue.refuse(["r3"], "telegram:8", () => {
          throw new Error("no");
        }),
      ).rejects.toThrow("no");
      expect(await c.store.queue.recordDelivery(["r3"])).toBe(true);
    });

    it("forgets delivery keys only when they are older than a week and the age asked", async () => {
      await accept(c.store, "telegram:1", "a", { deliveryKeys: ["old"] });
      expect(await c.store.queue.pruneDeliveryKeys(1)).toBe(0);
      c.clock.advance(8 * 24 * 3600 * 1000);
      expect(await c.store.queue.pruneDeliveryKeys(1)).toBe(1);
      expect(await c.store.queue.recordDelivery(["old"])).toBe(true);
    });
  });

  describe("queue: claiming turns", () => {
    it("names ready sessions oldest waiting message first, skipping running ones and other scopes", async () => {
      const a = accepted(await accept(c.store, "telegram:1", "a1")).session;
      const b = accepted(await accept(c.store, "telegram:2", "b1")).session;
      await accept(c.store, "telegram:1", "a2");
      await c.store.queue.accept(
        inbound("slack:T:C", "s1", { channel: "slack" }),
        plainPolicy({ route: () => ({ create: { ...chatSession, channel: "slack", conversationKey: "slack:T:C" } }) }),
      );
      expect(await c.store.queue.ready(scope, 10)).toEqual([a.id, b.id]);
      expect(await c.store.queue.ready(scope, 1)).toEqual([a.id]);
      expect(await c.store.queue.ready({ channels: ["telegram"], conversationKey: "telegram:2" }, 10)).toEqual([b.id]);
      expect(await c.store.queue.ready({ channels: [] }, 10)).toEqual([]);
      await c.store.queue.claim(a.id, claimOptions());
      expect(await c.store.queue.ready(scope, 10)).toEqual([b.id]);
    });

    it("claims all waiting messages or the oldest, copies them into the transcript, one turn at a time", async () => {
      const session = accepted(await accept(c.store, "telegram:1", "one")).session;
      await accept(c.store, "telegram:1", "two");
      const first = await c.store.queue.claim(session.id, claimOptions("proc-a", 60_000, "one"));
      expect(first?.inbound.map((row) => row.text)).toEqual(["one"]);
      expect(first).toMatchObject({ resumed: false, session: { id: session.id }, turn: { state: "running" } });
      expect(await c.store.queue.isRunning(session.id)).toBe(true);
      expect(await c.store.queue.claim(session.id, claimOptions("proc-b"))).toBeUndefined();
      expect((await c.store.transcript.list(session.id)).map((e) => [e.kind, e.content, e.turnId])).toEqual([
        ["user", "one", first?.turn.id],
      ]);
      await c.store.turns.finish(first?.turn.id ?? 0, "completed");
      expect((await c.store.queue.inboundOfSession(session.id))[0]?.state).toBe("answered");
      await accept(c.store, "telegram:1", "three");
      const second = await c.store.queue.claim(session.id, claimOptions());
      expect(second?.inbound.map((row) => row.text)).toEqual(["two", "three"]);
      expect(await c.store.queue.claim(session.id, claimOptions())).toBeUndefined();
    });

    it("joins messages to a running turn, requeues an interrupted turn's, and fails a refused one's", async () => {
      const session = accepted(await accept(c.store, "telegram:1", "one")).session;
      const claimed = await c.store.queue.claim(session.id, claimOptions());
      const turnId = claimed?.turn.id ?? 0;
      await accept(c.store, "telegram:1", "steer");
      expect((await c.store.queue.joinTurn(session.id, turnId, "default")).map((row) => row.text)).toEqual(["steer"]);
      expect(await c.store.queue.queued(session.id)).toEqual([]);
      await c.store.turns.finish(turnId, "interrupted", { inbound: "queued" });
      expect((await c.store.queue.queued(session.id)).map((row) => row.text)).toEqual(["one", "steer"]);
      expect(await c.store.queue.joinTurn(session.id, turnId, "default")).toEqual([]);
      const again = await c.store.queue.claim(session.id, claimOptions());
      // Already in the transcript: not copied twice.
      expect((await c.store.transcript.list(session.id)).filter((e) => e.kind === "user")).toHaveLength(2);
      await c.store.turns.finish(again?.turn.id ?? 0, "failed", {
        answer: {
          sessionId: session.id,
          channel: "telegram",
          conversationKey: "telegram:1",
          kind: "error",
          text: "sorry",
        },
      });
      expect((await c.store.queue.inboundOfSession(session.id)).map((row) => row.state)).toEqual(["failed", "failed"]);
    });

    it("passes cancel requests to the owner of the running turn; a stop stays a stop", async () => {
      const session = accepted(await accept(c.store, "telegram:1", "one")).session;
      expect(await c.store.queue.requestCancel(session.id, "stop")).toBeUndefined();
      const claimed = await c.store.queue.claim(session.id, claimOptions("proc-a"));
      expect(await c.store.queue.cancelRequests("proc-a")).toEqual([]);
      expect(await c.store.queue.requestCancel(session.id, "stop")).toBe(claimed?.turn.id);
      await c.store.queue.requestCancel(session.id, "interrupt");
      expect(await c.store.queue.cancelRequests("proc-a")).toEqual([{ turnId: claimed?.turn.id, kind: "stop" }]);
      expect(await c.store.queue.cancelRequests("proc-b")).toEqual([]);
    });

    it("knows the conversations a person has written in, by channel and sender", async () => {
      await accept(c.store, "telegram:1", "one");
      await accept(c.store, "telegram:2", "two");
      await accept(c.store, "telegram:2", "again");
      await accept(c.store, "telegram:3", "bob's", { senderId: "bob" });
      expect((await c.store.queue.conversationsOf("telegram:ann")).sort()).toEqual(["telegram:1", "telegram:2"]);
      expect(await c.store.queue.conversationsOf("slack:ann")).toEqual([]);
      expect(await c.store.queue.conversationsOf("ann")).toEqual([]);
    });

    it("drops a waiting message only while it waits, and counts the queue", async () => {
      expect(await c.store.queue.stats()).toEqual({ depth: 0, oldestReceivedAt: null });
      const first = accepted(await accept(c.store, "telegram:1", "one"));
      const second = accepted(await accept(c.store, "telegram:1", "two"));
      const stats = await c.store.queue.stats();
      expect(stats.depth).toBe(2);
      expect(stats.oldestReceivedAt).toEqual(expect.any(Number));
      expect(await c.store.queue.drop(first.session.id, second.inboundId)).toBe(true);
      expect(await c.store.queue.drop(first.session.id, second.inboundId)).toBe(false);
      await c.store.queue.claim(first.session.id, claimOptions());
      expect(await c.store.queue.drop(first.session.id, first.inboundId)).toBe(false);
      expect((await c.store.queue.stats()).depth).toBe(1);
    });
  });
}
