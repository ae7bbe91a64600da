import { randomBytes } from "node:crypto";
import pg from "pg";
import type { FaultPoint } from "../../src/gateway/fault-points.js";
import { openStore } from "../../src/store/sqlite/sqlite-store.js";
import { FakeLoopbackPlatform, type PlatformMessage } from "../fakes/fake-loopback-platform.js";
import { type ChatRequestBody, FakeOpenAi } from "../fakes/fake-openai.js";
import { createTestDatabase, type TestDatabase } from "../store/pg-test-database.js";
import { ChildGateway, type LoopbackMessage, Sandbox, sleep } from "./child-gateway.js";

/** How the fake model behaves for these tests. */
export interface ModelBehaviour {
  /**
   * Wait before answering each request (keeps turns running so messages queue
   * behind them); a function gets the texts the request answers.
   */
  firstDelayMs?: number | ((texts: string[]) => number);
  /** No answer before this settles (then `firstDelayMs`): turns surely run while the test sends more. */
  holdUntil?: Promise<unknown>;
  /** Wait before each streamed piece (long enough streams show a preview). */
  pieceDelayMs?: number;
  /** Answer the first request of a turn with a `current_time` call, the request after the result with text. */
  callTool?: boolean;
}

/**
 * The user texts this request answers: every user message after the last
 * final answer (in collect mode one turn answers several messages).
 */
export function turnTexts(body: ChatRequestBody): string[] {
  const texts: string[] = [];
  for (let index = body.messages.length - 1; index >= 0; index--) {
    const message = body.messages[index];
    if (!message) continue;
    if (message.role === "user") texts.unshift(typeof message.content === "string" ? message.content : "");
    else if (message.role === "assistant" && (message.tool_calls?.length ?? 0) === 0) break;
  }
  return texts;
}

/** The fake's answer to a turn: `echo: ` and each text it answers, joined with ` | `. */
export const echoOf = (texts: string[]) => `echo: ${texts.join(" | ")}`;

/** A sandbox, a fake model, a fake platform and the gateway lives started on them. */
export class CrashWorld {
  readonly sandbox = new Sandbox();
  readonly model = new FakeOpenAi();
  readonly platform = new FakeLoopbackPlatform();
  readonly lives: ChildGateway[] = [];
  readonly tag = randomBytes(3).toString("hex");
  /** The database every life uses: the sandbox's SQLite file, or a PostgreSQL URL after {@link usePostgres}. */
  db: string = this.sandbox.db;
  #postgres: TestDatabase | undefined;

  static async create(behaviour: ModelBehaviour = {}): Promise<CrashWorld> {
    const world = new CrashWorld();
    await world.model.start();
    await world.platform.start();
    world.behave(behaviour);
    return world;
  }

  /** Runs the lives on a PostgreSQL database made for this world (dropped by {@link close}). */
  async usePostgres(): Promise<void> {
    this.#postgres = await createTestDatabase();
    this.db = this.#postgres.url;
  }

  behave(behaviour: ModelBehaviour): void {
    const { firstDelayMs = 0, pieceDelayMs = 0, callTool = false, holdUntil } = behaviour;
    this.model.beforeReply = async (body) => {
      await holdUntil;
      await sleep(typeof firstDelayMs === "number" ? firstDelayMs : firstDelayMs(turnTexts(body)));
    };
    this.model.fallback = (body) => {
      const last = body.messages.at(-1);
      const offersTool = body.tools?.some((tool) => tool.function.name === "current_time") ?? false;
      if (callTool && offersTool && last?.role === "user") {
        return { kind: "tools", calls: [{ name: "current_time", arguments: '{"timezone":"UTC"}' }] };
      }
      return { kind: "text", text: echoOf(turnTexts(body)), ...(pieceDelayMs > 0 ? { delayMs: pieceDelayMs } : {}) };
    };
  }

  /** Starts the next life of the gateway on the same database. */
  async start(options: { crashAt?: FaultPoint; mayDie?: boolean; extra?: Record<string, string> } = {}) {
    this.platform.generation = this.lives.length;
    const life = await ChildGateway.start({
      db: this.db,
      home: this.sandbox.dir,
      modelUrl: this.model.url,
      platformUrl: this.platform.url,
      ...options,
    });
    this.lives.push(life);
    return life;
  }

  /** A message with a text no other message contains. */
  message(conversation: string, n: number): LoopbackMessage & { message_id: string } {
    const id = `${conversation}-${n}`;
    return { conversation, sender: `user-${conversation}`, text: `t${this.tag}-${id}-q`, message_id: id };
  }

  /** Everything the lives printed, for failure messages. */
  logs(): string {
    return this.lives.map((life, index) => `--- life ${index} ---\n${life.output}`).join("\n");
  }

  async close(): Promise<void> {
    for (const life of this.lives) life.kill();
    await Promise.all(this.lives.map((life) => life.exited.catch(() => undefined)));
    await this.model.stop();
    await this.platform.stop();
    this.sandbox.cleanup();
    await this.#postgres?.drop();
  }
}

/** A platform message that is (or ends as) an answer: not a notice, not a preview left streaming or interrupted. */
export function isAnswer(text: string): boolean {
  // A stream a dead process left open ends in Slack's italic `_(interrupted)_`, other previews in `(interrupted)`.
  return text.startsWith("echo: ") && !text.endsWith(" …") && !/\(interrupted\)_?$/.test(text);
}

/** For each message: the platform messages of its conversation whose current text answers it. */
export function answersOf(platform: FakeLoopbackPlatform, messages: LoopbackMessage[]): Map<string, PlatformMessage[]> {
  const answers = new Map<string, PlatformMessage[]>();
  for (const message of messages) {
    const found = platform
      .live(message.conversation)
      .filter(({ text }) => isAnswer(text) && text.includes(message.text))
      .map(({ message: sent }) => sent);
    answers.set(message.text, found);
  }
  return answers;
}

export interface DbFacts {
  inbound: { text: string; state: string }[];
  unfinishedOutbox: { id: number; kind: string; state: string }[];
  runningTurns: number;
  turns: { id: number; state: string; attempts: number; error: string | null }[];
  toolRows: { turnId: number; calls: number; results: number }[];
}

/** Reads the database a stopped gateway left: a SQLite file (opening it migrates nothing new) or a PostgreSQL URL. */
export async function readDb(path: string): Promise<DbFacts> {
  if (/^postgres(ql)?:\/\//.test(path)) return readPostgres(path);
  const store = openStore(path);
  try {
    const { db } = store;
    return {
      inbound: db.prepare<[], { text: string; state: string }>("SELECT text, state FROM inbound ORDER BY id").all(),
      unfinishedOutbox: db
        .prepare<[], { id: number; kind: string; state: string }>(
          "SELECT id, kind, state FROM outbox WHERE state IN ('pending', 'sending') ORDER BY id",
        )
        .all(),
      runningTurns:
        db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM turns WHERE state = 'running'").get()?.n ?? 0,
      turns: db
        .prepare<[], { id: number; state: string; attempts: number; error: string | null }>(
          "SELECT id, state, attempts, error FROM turns ORDER BY id",
        )
        .all(),
      toolRows: db
        .prepare<[], { turnId: number; calls: number; results: number }>(
          `SELECT turn_id AS turnId, SUM(kind = 'tool_call') AS calls, SUM(kind = 'tool_result') AS results
           FROM messages WHERE turn_id IS NOT NULL GROUP BY turn_id ORDER BY turn_id`,
        )
        .all(),
    };
  } finally {
    await store.close();
  }
}

async function readPostgres(url: string): Promise<DbFacts> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const rows = async <R extends object>(sql: string) => (await client.query<R>(sql)).rows;
  try {
    return {
      inbound: await rows<{ text: string; state: string }>("SELECT text, state FROM inbound ORDER BY id"),
      unfinishedOutbox: (
        await rows<{ id: string; kind: string; state: string }>(
          "SELECT id, kind, state FROM outbox WHERE state IN ('pending', 'sending') ORDER BY id",
        )
      ).map((row) => ({ ...row, id: Number(row.id) })),
      runningTurns: Number(
        (await rows<{ n: string }>("SELECT COUNT(*) AS n FROM turns WHERE state = 'running'"))[0]?.n ?? 0,
      ),
      turns: (
        await rows<{ id: string; state: string; attempts: number; error: string | null }>(
          "SELECT id, state, attempts, error FROM turns ORDER BY id",
        )
      ).map((row) => ({ ...row, id: Number(row.id) })),
      toolRows: (
        await rows<{ turnId: string; calls: string; results: string }>(
          `SELECT turn_id AS "turnId", COUNT(*) FILTER (WHERE kind = 'tool_call') AS calls,
             COUNT(*) FILTER (WHERE kind = 'tool_result') AS results
           FROM messages WHERE turn_id IS NOT NULL GROUP BY turn_id ORDER BY turn_id`,
        )
      ).map((row) => ({ turnId: Number(row.turnId), calls: Number(row.calls), results: Number(row.results) })),
    };
  } finally {
    await client.end();
  }
}
