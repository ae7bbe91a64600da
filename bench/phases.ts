import { slackEvent, telegramUpdate } from "./inbound.js";
import { type LoadResult, nowMs, pacedLoad, postLoad } from "./load.js";
import type { Marks } from "./marks.js";
import type { ModelHold } from "./model-hold.js";

/** One measurement the driver asks the fakes' process for; `first` starts its range of fresh ids. */
export type PhaseRequest =
  | {
      phase: "accept";
      platform: "telegram" | "slack";
      port: number;
      /** The gateways the load is spread over (several on one database); `port` alone otherwise. */
      ports?: number[];
      first: number;
      count: number;
      /** Busy conversations the messages go to. */
      conversations: number;
      /** Closed loop with this many requests in flight, or open loop at `perSecond`. */
      load: { concurrency: number } | { perSecond: number };
    }
  | { phase: "baseline"; port: number; first: number; count: number; concurrency: number }
  | { phase: "turns"; port: number; ports?: number[]; first: number; count: number; concurrency: number }
  | { phase: "overhead"; port: number; first: number; count: number; slots: number }
  | { phase: "streaming"; port: number; first: number; count: number; concurrency: number; expected: string };

/** What a phase may use of the fakes' process. */
export interface World {
  marks: Marks;
  hold: ModelHold;
  /** Milliseconds since the fake platforms last received a call. */
  quietMs: () => number;
}

export interface TurnsResult {
  turns: number;
  seconds: number;
  perSecond: number;
  unanswered: number;
  /** The phase's window on the monotonic clock, to cut a CPU profile to it. */
  window: [number, number];
}
export interface OverheadResult {
  turns: number;
  inboundToModel: { p50Ms: number; p99Ms: number };
  lastTokenToReply: { p50Ms: number; p99Ms: number };
}
export interface StreamingResult {
  conversations: number;
  seconds: number;
  refused: number;
  unanswered: number;
  incomplete: number;
  errors: number;
}

const DRAIN_MS = 120_000;
const range = (first: number, count: number) => Array.from({ length: count }, (_, i) => first + i);

export async function runPhase(request: PhaseRequest, world: World): Promise<unknown> {
  const { marks } = world;
  marks.clear();
  const ids = range(request.first, request.count);
  const load = { port: request.port, ids };
  switch (request.phase) {
    case "accept":
      return accept(request, world);
    case "baseline": {
      const build = (id: number) => ({ ...slackEvent(id), path: "/" });
      return postLoad({ ...load, build, concurrency: request.concurrency });
    }
    case "turns":
      return turns(request, ids, marks);
    case "overhead":
      return overhead(request, ids, marks);
    case "streaming":
      return streaming(request, ids, marks);
  }
}

/**
 * The accept path alone: each conversation's first message starts a turn the model holds, then the
 * measured messages arrive while those turns run, so each is committed and queued behind its turn
 * (with the queue's notice) and no new turn competes for the CPU. Then the model answers and the
 * phase waits until the gateway is idle, so the next phase starts clean.
 */
async function accept(request: Extract<PhaseRequest, { phase: "accept" }>, world: World): Promise<LoadResult> {
  const busy = range(request.first, request.conversations);
  const build = (id: number) => {
    const conversation = busy[id % busy.length] ?? request.first;
    return request.platform === "telegram" ? telegramUpdate(id, conversation) : slackEvent(id, conversation);
  };
  world.hold.hold(busy);
  const opening = { port: request.port, ports: request.ports, ids: busy, concurrency: busy.length };
  await postLoad({ ...opening, build: request.platform === "telegram" ? telegramUpdate : slackEvent });
  await until(() => world.marks.modelSaw(busy), 30_000);
  const ids = range(request.first + busy.length, request.count);
  const load = { port: request.port, ports: request.ports, ids, build };
  const result =
    "perSecond" in request.load
      ? await pacedLoad({ ...load, perSecond: request.load.perSecond })
      : await postLoad({ ...load, concurrency: request.load.concurrency });
  world.hold.release();
  await idle(request.port, world);
  return result;
}

/** Nothing queued or running in the gateway, and no platform call for longer than a chat's send pace. */
async function idle(port: number, world: World): Promise<void> {
  await until(async () => {
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as {
      queue_depth: number;
      running_turns: number;
    };
    return health.queue_depth === 0 && health.running_turns === 0 && world.quietMs() > 1_200;
  }, DRAIN_MS);
}

async function until(done: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = nowMs() + timeoutMs;
  while (!(await done())) {
    if (nowMs() > deadline) throw new Error("the gateway did not get there in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every conversation's one message, then time until the last reply reached the fake platform. */
async function turns(request: { port: number; ports?: number[]; concurrency: number }, ids: number[], marks: Marks) {
  const started = nowMs();
  const spread = { port: request.port, ports: request.ports };
  const load = await postLoad({ ...spread, ids, build: telegramUpdate, concurrency: request.concurrency });
  const unanswered = (await marks.allReplied(ids, DRAIN_MS)).length;
  const lastReply = Math.max(...ids.map((id) => marks.get(id)?.replied ?? 0));
  const seconds = (lastReply - started) / 1000;
  const answered = ids.length - unanswered;
  return {
    turns: answered,
    seconds,
    perSecond: answered / seconds,
    unanswered: unanswered + (ids.length - load.ok),
    window: [started, lastReply],
  } satisfies TurnsResult;
}

/** A few conversations at a time, each waiting for its reply: the gateway's own time, not a queue's. */
async function overhead(request: { port: number; slots: number }, ids: number[], marks: Marks) {
  let next = 0;
  await Promise.all(
    Array.from({ length: request.slots }, async () => {
      while (next < ids.length) {
        const id = ids[next++] ?? 0;
        await postLoad({
          port: request.port,
          ids: [id],
          build: telegramUpdate,
          concurrency: 1,
          onSend: (sent, at) => marks.sent(sent, at),
        });
        await marks.allReplied([id], 10_000);
      }
    }),
  );
  const inbound = marks.spread(ids, "sent", "model");
  const outbound = marks.spread(ids, "lastToken", "replied");
  return {
    turns: Math.min(inbound.count, outbound.count),
    inboundToModel: { p50Ms: inbound.p50Ms, p99Ms: inbound.p99Ms },
    lastTokenToReply: { p50Ms: outbound.p50Ms, p99Ms: outbound.p99Ms },
  } satisfies OverheadResult;
}

/** Every conversation streams its answer at once; an error is a refused message or a missing or cut answer. */
async function streaming(
  request: { port: number; concurrency: number; expected: string },
  ids: number[],
  marks: Marks,
) {
  const started = nowMs();
  const load = await postLoad({ port: request.port, ids, build: telegramUpdate, concurrency: request.concurrency });
  const unanswered = (await marks.allReplied(ids, DRAIN_MS)).length;
  const incomplete = ids.filter((id) => {
    const text = marks.get(id)?.text;
    return text !== undefined && text.trim() !== request.expected;
  }).length;
  const refused = ids.length - load.ok;
  return {
    conversations: ids.length,
    seconds: (nowMs() - started) / 1000,
    refused,
    unanswered,
    incomplete,
    errors: refused + unanswered + incomplete,
  } satisfies StreamingResult;
}
