import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { overflowNotice, queuedNotices } from "../../src/gateway/intake.js";
import { type ChildGateway, waitFor } from "../crash/child-gateway.js";
import { CrashWorld, echoOf, turnTexts } from "../crash/crash-world.js";
import { Random, seeds } from "./fault-seeds.js";

let world: CrashWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** A world whose model holds the turn that answers `held()` until `release` (the burst arrives meanwhile). */
async function burstWorld(cap?: number) {
  const target = await CrashWorld.create();
  if (cap !== undefined)
    writeFileSync(join(target.sandbox.dir, "gateway.yml"), `queue:\n  mode: collect\n  cap: ${cap}\n`);
  const gate = { held: "", release: () => {} };
  target.model.beforeReply = (body) => {
    if (!turnTexts(body).includes(gate.held)) return undefined;
    return new Promise<void>((resolve) => {
      gate.release = resolve;
    });
  };
  target.model.fallback = (body) => ({ kind: "text", text: echoOf(turnTexts(body)) });
  const life = await target.start({ extra: cap === undefined ? {} : { GATEWAY_CONFIG: "gateway.yml" } });
  return { target, gate, life };
}

/** Posts `texts` into conversation Q one after the other, each accepted. */
async function postBurst(life: ChildGateway, texts: string[]): Promise<void> {
  for (const text of texts) {
    const outcome = await life.post({ conversation: "Q", sender: "burst-user", text, message_id: text });
    expect(outcome.kind, JSON.stringify(outcome)).toBe("accepted");
  }
}

/** The q-numbers the answers in Q answered, in the order the answers were sent. */
function answeredInOrder(target: CrashWorld): number[] {
  return target.platform
    .live("Q")
    .filter(({ text }) => text.startsWith("echo: "))
    .flatMap(({ text }) => text.slice("echo: ".length).split(" | "))
    .map((text) => Number(text.slice(1)));
}

const noticesIn = (target: CrashWorld, notice: string) =>
  target.platform.live("Q").filter(({ text }) => text === notice).length;

describe.each(seeds)("seed %i: 200 messages into one conversation (collect)", (seed) => {
  it("all are answered, in order, with one queued notice per burst", async () => {
    const random = new Random(seed + 9000);
    const { target, gate, life } = await burstWorld(500);
    world = target;
    const total = 200;
    const cuts = random.shuffle(Array.from({ length: total - 2 }, (_, index) => index + 2)).slice(0, random.int(0, 2));
    const bounds = [0, ...cuts.sort((a, b) => a - b), total];
    for (let burst = 0; burst + 1 < bounds.length; burst++) {
      const texts = Array.from(
        { length: (bounds[burst + 1] ?? 0) - (bounds[burst] ?? 0) },
        (_, index) => `q${(bounds[burst] ?? 0) + index + 1}`,
      );
      gate.held = texts[0] ?? "";
      const model = target.model;
      const posting = postBurst(life, texts);
      await waitFor(() => model.active.size === 1, "the burst's first turn at the model");
      await posting;
      gate.release();
      const last = Number(texts.at(-1)?.slice(1));
      await waitFor(
        () => answeredInOrder(target).includes(last),
        () => `the answer to ${texts.at(-1)}\n${target.logs()}`,
      );
    }
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
    expect(answeredInOrder(target)).toEqual(Array.from({ length: total }, (_, index) => index + 1));
    expect(noticesIn(target, queuedNotices.collect), `seed ${seed}: bursts at ${bounds}`).toBe(bounds.length - 1);
    expect(noticesIn(target, overflowNotice)).toBe(0);
    // Two answers per burst: its first message alone, then everything that waited behind it.
    expect(target.platform.live("Q").filter(({ text }) => text.startsWith("echo: "))).toHaveLength(
      (bounds.length - 1) * 2,
    );
  });

  it("over the cap: one overflow notice, the rest of the burst not taken, nothing answered twice", async () => {
    const random = new Random(seed + 10_000);
    const { target, gate, life } = await burstWorld();
    world = target;
    const count = random.int(25, 60);
    const texts = Array.from({ length: count }, (_, index) => `q${index + 1}`);
    gate.held = "q1";
    const model = target.model;
    const posting = postBurst(life, texts);
    await waitFor(() => model.active.size === 1, "the first turn at the model");
    await posting;
    gate.release();
    // The default cap is 20: q2…q21 wait, q22 and later are not taken.
    await waitFor(
      () => answeredInOrder(target).includes(21),
      () => `the answer to q21\n${target.logs()}`,
    );
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
    expect(answeredInOrder(target)).toEqual(Array.from({ length: 21 }, (_, index) => index + 1));
    expect(noticesIn(target, queuedNotices.collect)).toBe(1);
    expect(noticesIn(target, overflowNotice)).toBe(1);
    const overflow = target.platform.live("Q").find(({ text }) => text === overflowNotice);
    expect(overflow?.message.replyTo, "the notice answers the first message over the cap").toBe("q22");
  });
});
