import { afterEach, describe, expect, it } from "vitest";
import { type FaultPoint, faultPointNames } from "../../src/gateway/fault-points.js";
import { CrashWorld, type ModelBehaviour } from "../crash/crash-world.js";
import { crashAndRecover, expectRecovered, type Message } from "../crash/fault-scenario.js";
import { Random, seeds } from "./fault-seeds.js";

let world: CrashWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

const backends = ["SQLite", "PostgreSQL"] as const;

/** The points a loopback turn reaches; a native stream's own is killed at in tests/slack/slack-stream-crash. */
type LoopbackPoint = Exclude<FaultPoint, "after-stream-before-record">;
const points = faultPointNames.filter((point): point is LoopbackPoint => point !== "after-stream-before-record");
type Backend = (typeof backends)[number];

/** What the model does, so the gateway surely reaches `point`; the seed picks the timing. */
function behaviourFor(point: LoopbackPoint, random: Random, backend: Backend): ModelBehaviour {
  // A PostgreSQL commit takes a round trip and a WAL flush: the slow turns wait longer there, so
  // the fast one still reaches its send first.
  const slow = random.int(150, 400) + (backend === "PostgreSQL" ? 800 : 0);
  switch (point) {
    case "after-accept":
      return { firstDelayMs: random.int(20, 300), pieceDelayMs: random.int(0, 20) };
    case "mid-stream":
      return { firstDelayMs: slow, pieceDelayMs: random.int(30, 60) };
    case "after-tool-result":
      return { firstDelayMs: slow, callTool: true };
    case "after-send-before-record": {
      // B answers fast, the others slowly, so the crash lands on an answer's send while turns still run.
      const fast = random.int(10, 60);
      return { firstDelayMs: (texts) => (texts.some((text) => text.includes("-B-")) ? fast : slow) };
    }
  }
}

/** A-1 first (its turn runs while the rest arrive), then 3–7 more messages over A, B and C in a seeded order. */
function messagesFor(target: CrashWorld, random: Random): Message[] {
  const next = new Map<string, number>([["A", 1]]);
  const rest: Message[] = [];
  const count = random.int(3, 7);
  for (let index = 0; index < count; index++) {
    const conversation = index === 0 ? "A" : index === 1 ? "B" : (["A", "B", "C"][random.int(0, 2)] ?? "A");
    const n = (next.get(conversation) ?? 0) + 1;
    next.set(conversation, n);
    rest.push(target.message(conversation, n));
  }
  const shuffled = random.shuffle(rest);
  // A conversation's messages keep their order (a platform delivers one chat in order).
  const inOrder = shuffled.map((message) => message.conversation);
  const byConversation = new Map<string, Message[]>();
  for (const message of rest)
    byConversation.set(message.conversation, [...(byConversation.get(message.conversation) ?? []), message]);
  return [
    target.message("A", 1),
    ...inOrder.map((conversation) => byConversation.get(conversation)?.shift() as Message),
  ];
}

describe.each(seeds.flatMap((seed) => backends.map((backend) => [seed, backend] as const)))(
  "seed %i on %s: kill -9 at each crash point, then restart",
  (seed, backend) => {
    it.each(points)(
      "%s: every accepted message is answered once (a reply being sent at the kill may be sent once more)",
      async (point) => {
        const random = new Random(seed * 31 + faultPointNames.indexOf(point));
        world = await CrashWorld.create(behaviourFor(point, random, backend));
        if (backend === "PostgreSQL") await world.usePostgres();
        if (point === "after-send-before-record") {
          // Previews are refused so answers are fresh sends; notices are acknowledged late.
          const late = random.int(200, 600);
          world.platform.sendBehaviour = (send) =>
            send.outboxId === null ? { status: 500 } : send.text.startsWith("echo: ") ? undefined : { delayMs: late };
        }
        const messages = messagesFor(world, random);
        const recovery = await crashAndRecover(world, point, messages);
        expectRecovered(recovery, `seed ${seed}\n${world.logs()}`, {
          sendWindow: point === "after-send-before-record",
        });
        expect(recovery.messages).toHaveLength(messages.length);
      },
    );
  },
);
