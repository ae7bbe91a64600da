import { expect } from "vitest";
import { waitFor } from "../support/wait.js";
import type { InstancesWorld } from "./instances-world.js";

/**
 * What must hold after several instances shared the work and one was killed: every message answered,
 * a second answer only where a reply was being sent when its instance died (the documented
 * send-before-record window: its outbox row was claimed again), no two turns of one session at
 * once, nothing left running or unsent, and each schedule due time fired once.
 */
export async function expectSharedWorkHeld(world: InstancesWorld, texts: readonly string[]): Promise<void> {
  const why = () => world.logs();
  const facts = await world.sql(async (client) => ({
    resent: (await client.query<{ text: string }>("SELECT text FROM outbox WHERE attempts > 1")).rows.map(
      (r) => r.text,
    ),
    overlaps: (
      await client.query<{ a: number; b: number }>(
        `SELECT a.id AS a, b.id AS b FROM turns a JOIN turns b ON a.session_id = b.session_id AND a.id < b.id
         WHERE b.started_at < COALESCE(a.finished_at, 'infinity')`,
      )
    ).rows,
    unanswered: (
      await client.query<{ text: string; state: string }>(
        "SELECT text, state FROM inbound WHERE channel IN ('telegram', 'slack') AND state <> 'answered'",
      )
    ).rows,
    unsent: (
      await client.query<{ id: number; state: string }>(
        "SELECT id, state FROM outbox WHERE channel IN ('telegram', 'slack') AND state <> 'delivered'",
      )
    ).rows,
    dueTwice: (
      await client.query<{ key: string }>(
        `SELECT idempotency_key AS key FROM trigger_runs WHERE source = 'schedule'
         GROUP BY idempotency_key HAVING COUNT(*) > 1`,
      )
    ).rows,
    fired: Number(
      (await client.query<{ n: string }>("SELECT COUNT(*) AS n FROM trigger_runs WHERE source = 'schedule'")).rows[0]
        ?.n,
    ),
    triggerSessions: Number(
      (await client.query<{ n: string }>("SELECT COUNT(*) AS n FROM sessions WHERE origin = 'trigger'")).rows[0]?.n,
    ),
    runsWithSession: Number(
      (
        await client.query<{ n: string }>(
          "SELECT COUNT(DISTINCT session_id) AS n FROM trigger_runs WHERE session_id IS NOT NULL",
        )
      ).rows[0]?.n,
    ),
  }));
  for (const text of texts) {
    const answers = world.answers(text);
    expect(answers.length, `answers to ${text}\n${why()}`).toBeGreaterThanOrEqual(1);
    if (answers.length > 1) {
      expect(
        facts.resent.some((resent) => resent.includes(text)),
        `${text} answered ${answers.length}× though no reply to it was being sent by the killed instance\n${why()}`,
      ).toBe(true);
      expect(answers.length, `answers to ${text}`).toBe(2);
    }
  }
  expect(facts.overlaps, `turns of one session that overlapped\n${why()}`).toEqual([]);
  expect(facts.unanswered, why()).toEqual([]);
  expect(facts.unsent, why()).toEqual([]);
  expect(facts.dueTwice, "schedule due times fired twice").toEqual([]);
  expect(facts.fired, "the schedule fired at all").toBeGreaterThan(0);
  // A firing creates its session in its own transaction: a due time fired once makes one session.
  expect(facts.triggerSessions).toBe(facts.runsWithSession);
}

/** Waits until no chat message waits or runs and no chat reply is unsent, in the whole database. */
export async function settled(world: InstancesWorld): Promise<boolean> {
  return world.sql(async (client) => {
    const { rows } = await client.query<{ n: string }>(
      `SELECT (SELECT COUNT(*) FROM inbound WHERE channel IN ('telegram', 'slack') AND state IN ('queued', 'running'))
            + (SELECT COUNT(*) FROM outbox WHERE channel IN ('telegram', 'slack') AND state IN ('pending', 'sending')) AS n`,
    );
    return Number(rows[0]?.n) === 0;
  });
}

/** Waits until every one of `texts` has an answer and nothing is left to do. */
export async function waitAnsweredAndSettled(world: InstancesWorld, texts: readonly string[]): Promise<void> {
  await waitFor(
    () => texts.every((text) => world.answers(text).length > 0),
    () => `answers to ${texts.filter((text) => world.answers(text).length === 0).join(", ")}\n${world.logs()}`,
  );
  await waitFor(
    () => settled(world),
    () => `nothing left to do\n${world.logs()}`,
  );
}
