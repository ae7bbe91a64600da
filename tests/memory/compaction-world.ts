import { join } from "node:path";
import { afterEach } from "vitest";
import { z } from "zod";
import { builtinTools } from "../../src/agent/builtin-tools.js";
import { OpenAiModelClient } from "../../src/agent/llm-client.js";
import type { ChatMessage } from "../../src/agent/messages.js";
import { defineTool } from "../../src/agent/tools.js";
import { ExpertRegistry } from "../../src/experts/expert-registry.js";
import { runSessionTurn, type SessionTurnEvent, type TurnRunnerDeps } from "../../src/gateway/turn-runner.js";
import { countMessages } from "../../src/memory/token-counter.js";
import { openStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { NewTranscriptEntry, Session } from "../../src/store/types.js";
import { type ChatRequestBody, FakeOpenAi, lastUserText } from "../fakes/fake-openai.js";
import { makeTempDir, removeTempDir } from "../support/temp-dirs.js";
import { type MemorySettings, withMemory } from "./memory-world.js";

export const SUMMARIZER = "You compress a conversation";

/** What a request costs in the tokens the gateway counts, as a provider would count them. */
export function promptTokens(body: ChatRequestBody): number {
  const messages = body.messages.map((message): ChatMessage => {
    const content = typeof message.content === "string" ? message.content : JSON.stringify(message.content ?? "");
    if (message.role === "assistant") {
      const calls = (message.tool_calls ?? []) as { id: string; function: { name: string; arguments: string } }[];
      return {
        role: "assistant",
        content,
        toolCalls: calls.map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments })),
      };
    }
    if (message.role === "tool") return { role: "tool", toolCallId: message.tool_call_id ?? "", content };
    return { role: message.role as "user" | "system", content };
  });
  return countMessages(messages);
}

/** Every tool call of a request has its result right after it, and every result its call. */
export function pairsIntact(body: ChatRequestBody): boolean {
  const open = new Set<string>();
  for (const message of body.messages) {
    if (message.role === "tool") {
      if (!open.delete(message.tool_call_id ?? "")) return false;
      continue;
    }
    if (open.size > 0) return false;
    for (const c of (message.tool_calls ?? []) as { id: string }[]) open.add(c.id);
  }
  return open.size === 0;
}

/**
 * A store, a fake model that summarizes when asked to and otherwise echoes,
 * and turns run through the real runner (the CLI's path) with compaction.
 * With `providerLimit` the fake refuses longer prompts the way OpenAI does.
 */
export class CompactionWorld {
  readonly dir = makeTempDir("gw-compact-");
  readonly store: SqliteStore;
  readonly fake = new FakeOpenAi();
  providerLimit = Number.POSITIVE_INFINITY;
  summaries = 0;
  deps!: TurnRunnerDeps;
  experts!: ExpertRegistry;

  constructor() {
    this.store = openStore(join(this.dir, "gateway.db"));
    this.fake.fallback = (body) => {
      const tokens = promptTokens(body);
      if (tokens > this.providerLimit) {
        return {
          kind: "status",
          status: 400,
          message: `This model's maximum context length is ${this.providerLimit} tokens. However, your messages resulted in ${tokens} tokens.`,
        };
      }
      const system = body.messages[0]?.content;
      if (typeof system === "string" && system.startsWith(SUMMARIZER)) {
        this.summaries++;
        return {
          kind: "text",
          text: `Summary ${this.summaries}: the user talked about topics; the last was ${lastUserText(body).slice(-60)}`,
        };
      }
      return { kind: "text", text: `echo: ${lastUserText(body).slice(0, 40)}` };
    };
  }

  async start(settings: MemorySettings): Promise<this> {
    await this.fake.start();
    const model = new OpenAiModelClient({ baseUrl: this.fake.url, apiKey: undefined });
    const tools = new Map([...builtinTools, bigTool].map((tool) => [tool.name, tool]));
    this.experts = new ExpertRegistry(
      {
        experts: [
          {
            name: "default",
            description: "",
            instructions: "Be brief.",
            tools: ["current_time", "big_report"],
            memory: true,
          },
        ],
        model: {
          defaultModel: "fake-model",
          baseUrl: this.fake.url,
          apiKey: undefined,
          timeoutMs: 5000,
          maxReplyChars: 20_000,
        },
      },
      new Set(tools.keys()),
    );
    const clock = Date.now;
    this.deps = {
      store: this.store,
      model,
      tools,
      idleTimeoutMs: 5000,
      clock,
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined },
      context: withMemory(settings)({ store: this.store, model, clock }),
    };
    return this;
  }

  async close(): Promise<void> {
    await this.fake.stop();
    await this.store.close();
    removeTempDir(this.dir);
  }

  session(): Promise<Session> {
    return this.store.sessions.create({
      channel: "cli",
      conversationKey: (id) => `cli:${id}`,
      expert: "default",
      origin: "cli",
      owner: "cli:local",
    });
  }

  /**
   * Stores `count` finished turns: a question, a tool call with a long result every `toolEvery` turns
   * (all alike with `sameTool`; an error at turn `failAt`), an answer.
   */
  async seed(
    session: Session,
    count: number,
    options: { words?: number; toolEvery?: number; toolWords?: number; sameTool?: boolean; failAt?: number } = {},
  ) {
    for (let i = 1; i <= count; i++) {
      const turn = await this.store.turns.start({
        sessionId: session.id,
        expert: "default",
        model: "fake-model",
        entries: [{ kind: "user", content: `Question ${i}: ${filler(options.words ?? 60, i)}`, senderId: "local" }],
      });
      const entries: NewTranscriptEntry[] = [];
      if (options.toolEvery && i % options.toolEvery === 0) {
        const id = `call_${i}`;
        const n = options.sameTool ? 0 : i;
        const failed = options.failAt === i;
        entries.push(
          {
            kind: "tool_call",
            turnId: turn.id,
            step: 1,
            toolCallId: id,
            toolName: "current_time",
            content: `{"timezone":"UTC","n":${n}}`,
          },
          {
            kind: "tool_result",
            turnId: turn.id,
            step: 1,
            toolCallId: id,
            toolName: "current_time",
            toolOk: !failed,
            content: failed ? `error: ${filler(150, i)}` : filler(options.toolWords ?? 300, n),
          },
        );
      }
      entries.push({ kind: "assistant", turnId: turn.id, step: 2, content: `Answer ${i}: ${filler(40, i + 7)}` });
      await this.store.turns.finish(turn.id, "completed", { entries });
    }
  }

  /** Runs one turn with `text` and returns its events. */
  async turn(session: Session, text: string): Promise<SessionTurnEvent[]> {
    const events: SessionTurnEvent[] = [];
    for await (const event of runSessionTurn(this.deps, {
      session,
      expert: this.experts.forSession("default"),
      userId: "cli:local",
      entries: [{ kind: "user", content: text, senderId: "local" }],
    })) {
      events.push(event);
    }
    return events;
  }

  /** The requests that answered turns (not summaries). */
  turnRequests(): ChatRequestBody[] {
    return this.fake.requests.filter((body) => {
      const system = body.messages[0]?.content;
      return !(typeof system === "string" && system.startsWith(SUMMARIZER));
    });
  }
}

/** A tool whose every answer is long (about 1,300 tokens), to grow a turn past the context. */
const bigTool = defineTool({
  name: "big_report",
  description: "A long report.",
  parameters: z.object({ part: z.number().int() }),
  run: async ({ part }) => ({ ok: true, content: `Report part ${part}: ${filler(1300, part)}` }),
});

const words = ["deploy", "invoice", "metric", "server", "budget", "release", "cache", "queue", "report", "ticket"];

function filler(count: number, seed: number): string {
  return Array.from({ length: count }, (_, i) => words[(seed * 7 + i * 3) % words.length]).join(" ");
}

/** Registers cleanup and returns a starter for one world per test. */
export function compactionWorlds(): (settings: MemorySettings) => Promise<CompactionWorld> {
  const open: CompactionWorld[] = [];
  afterEach(async () => {
    for (const world of open.splice(0)) await world.close();
  });
  return async (settings) => {
    const world = await new CompactionWorld().start(settings);
    open.push(world);
    return world;
  };
}
