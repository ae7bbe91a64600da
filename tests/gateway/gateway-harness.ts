import { join } from "node:path";
import { abortableSleep, type RetryPolicy } from "../../src/agent/backoff.js";
import { builtinTools } from "../../src/agent/builtin-tools.js";
import { OpenAiModelClient } from "../../src/agent/llm-client.js";
import type { ModelClient } from "../../src/agent/messages.js";
import { conversationPlace } from "../../src/cli/composition-root.js";
import type { ExpertSettings, ModelInfo, QueueMode } from "../../src/config/file-schema.js";
import type { McpSettings } from "../../src/config/mcp-settings.js";
import { ExpertRegistry } from "../../src/experts/expert-registry.js";
import { FileFolder } from "../../src/files/file-folder.js";
import type { ChannelSections } from "../../src/gateway/bindings.js";
import type { ChannelAdapter, Place, PlaceOf } from "../../src/gateway/channel.js";
import { Gateway } from "../../src/gateway/gateway.js";
import { HttpServer } from "../../src/http/http-server.js";
import type { Clock } from "../../src/ids.js";
import { createLogger } from "../../src/logger.js";
import { McpServers } from "../../src/mcp/mcp-servers.js";
import type { TurnContext } from "../../src/memory/turn-context.js";
import type { Coordination } from "../../src/store/coordination.js";
import { openStore, type SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { InboundState } from "../../src/store/types.js";
import type { Pricing } from "../../src/store/usage-repository.js";
import { type ChatRequestBody, FakeOpenAi } from "../fakes/fake-openai.js";
import { makeTempDir, removeTempDir } from "../support/temp-dirs.js";

/**
 * Where a test conversation is: the fake channel's `fake:dm-*` keys are
 * private chats and its other keys groups; real channels' keys as in production.
 */
export function testPlace(conversationKey: string): Place {
  if (!conversationKey.startsWith("fake:")) return conversationPlace(conversationKey);
  return {
    audience: conversationKey.startsWith("fake:dm-") ? "private" : "shared",
    room: conversationKey,
    workspace: "fake",
  };
}

export interface GatewayTestOptions {
  maxTurns?: number;
  mode?: QueueMode;
  cap?: number;
  retry?: RetryPolicy;
  /** Experts besides the built-in `default` (missing fields get the YAML's defaults). */
  experts?: (Pick<ExpertSettings, "name"> & Partial<ExpertSettings>)[];
  /** Who may talk to the bot; everyone by default. */
  access?: { allow: string[]; admins: string[] };
  /** The YAML's channel sections (bindings, per-channel allow lists). */
  telegram?: ChannelSections["telegram"];
  slack?: ChannelSections["slack"];
  /** The YAML's `models` section (e.g. `{ "fake-model": { vision: true } }`). */
  models?: Record<string, ModelInfo>;
  /** Open this database file (e.g. one a CLI child process also uses) instead of a fresh one in `dir`. */
  dbPath?: string;
  /** Days archived sessions are kept (GATEWAY_RETENTION_DAYS). */
  retentionDays?: number;
  /** Estimated cost of model calls, recorded in the usage ledger. */
  pricing?: Pricing;
  /** Memories, compaction and budgets for turns (the memory room's tests). */
  turnContext?: (deps: { store: SqliteStore; model: ModelClient; clock: Clock; placeOf: PlaceOf }) => TurnContext;
  /** Where conversations are; default {@link testPlace}. */
  placeOf?: PlaceOf;
  /** MCP servers whose tools Experts may name (`mcp_servers`); started with the gateway, closed with it. */
  mcp?: McpSettings;
  /** How long a tool approval request waits before it counts as denied (default 10 minutes). */
  approvalTimeoutMs?: number;
  /** Other gateways share the database (as on PostgreSQL); none by default, as on SQLite. */
  coordination?: Coordination;
}

/** An Expert of the YAML with its defaults filled in. */
function expertSettings(expert: Pick<ExpertSettings, "name"> & Partial<ExpertSettings>): ExpertSettings {
  return { description: "", instructions: "", tools: [], memory: true, ...expert };
}

/** A clock that runs with real time but can be moved ahead (to skip backoffs). */
export class SkewClock {
  skew = 0;
  readonly now = (): number => Date.now() + this.skew;
  advance(ms: number): void {
    this.skew += ms;
  }
}

/** A gate the fake model waits at until the test opens it. */
export class Gate {
  #open: () => void = () => undefined;
  #promise: Promise<void> | undefined;

  close(): void {
    this.#promise = new Promise((resolve) => {
      this.#open = resolve;
    });
  }

  open(): void {
    this.#open();
    this.#promise = undefined;
  }

  wait(): Promise<void> {
    return this.#promise ?? Promise.resolve();
  }
}

/** `[a] hello` → `a`: tests tag each text with its conversation. */
export function tagOf(body: ChatRequestBody): string {
  const first = body.messages.find((message) => message.role === "user");
  return /^\[(\w+)\]/.exec(typeof first?.content === "string" ? first.content : "")?.[1] ?? "?";
}

export function userTexts(body: ChatRequestBody | undefined): string[] {
  return (body?.messages ?? [])
    .filter((message) => message.role === "user")
    .map((message) => (typeof message.content === "string" ? message.content : JSON.stringify(message.content)));
}

/**
 * One in-process gateway on a temporary SQLite file, with a fake model and
 * the given adapters. `restart()` closes it and opens a new one on the same file.
 */
export class GatewayHarness {
  readonly dir = makeTempDir("gw-test-");
  readonly dbPath: string;
  readonly clock = new SkewClock();
  readonly logger = createLogger("silent");
  readonly options: GatewayTestOptions;
  readonly adapters: ChannelAdapter[];
  fake!: FakeOpenAi;
  store!: SqliteStore;
  http!: HttpServer;
  gateway!: Gateway;
  experts!: ExpertRegistry;
  mcp: McpServers | undefined;
  port = 0;

  get placeOf(): PlaceOf {
    return this.options.placeOf ?? testPlace;
  }

  constructor(adapters: ChannelAdapter[], options: GatewayTestOptions = {}) {
    this.adapters = adapters;
    this.options = options;
    this.dbPath = options.dbPath ?? join(this.dir, "gateway.db");
  }

  static async start(adapters: ChannelAdapter[], options: GatewayTestOptions = {}): Promise<GatewayHarness> {
    const harness = new GatewayHarness(adapters, options);
    harness.fake = await new FakeOpenAi().start();
    await harness.open();
    return harness;
  }

  async open(): Promise<void> {
    const { options } = this;
    this.store = openStore(this.dbPath, {
      clock: this.clock.now,
      ...(options.pricing ? { pricing: options.pricing } : {}),
    });
    this.http = new HttpServer(this.logger);
    this.port = (await this.http.listen("127.0.0.1", 0)).port;
    this.http.ready();
    const tools = new Map(builtinTools.map((tool) => [tool.name, tool]));
    const model = new OpenAiModelClient({ baseUrl: this.fake.url, apiKey: undefined });
    const experts = new ExpertRegistry(
      {
        experts: (options.experts ?? []).map(expertSettings),
        model: {
          defaultModel: "fake-model",
          baseUrl: this.fake.url,
          apiKey: undefined,
          timeoutMs: 5000,
          maxReplyChars: 20_000,
        },
        models: options.models ?? {},
        ...(options.mcp ? { mcp: options.mcp } : {}),
      },
      new Set(tools.keys()),
    );
    this.mcp = options.mcp ? new McpServers(options.mcp, this.logger) : undefined;
    this.mcp?.start();
    this.experts = experts;
    this.gateway = new Gateway({
      config: {
        maxTurns: options.maxTurns ?? 4,
        queue: { mode: options.mode ?? "collect", cap: options.cap ?? 10 },
        access: options.access ?? { allow: ["*"], admins: [] },
        telegram: options.telegram ?? {},
        slack: options.slack ?? {},
        ...(options.retentionDays !== undefined ? { retentionDays: options.retentionDays } : {}),
      },
      store: this.store,
      runner: {
        store: this.store,
        model,
        tools,
        ...(this.mcp ? { toolSource: this.mcp } : {}),
        files: new FileFolder(this.dbPath),
        idleTimeoutMs: 5000,
        clock: this.clock.now,
        retry: options.retry ?? { attempts: 1, baseDelayMs: 10, maxDelayMs: 10, sleep: abortableSleep },
        ...(options.turnContext
          ? { context: options.turnContext({ store: this.store, model, clock: this.clock.now, placeOf: this.placeOf }) }
          : {}),
      },
      experts,
      adapters: this.adapters,
      http: this.http,
      logger: this.logger,
      clock: this.clock.now,
      pollMs: 20,
      placeOf: this.placeOf,
      ...(options.approvalTimeoutMs ? { approvals: { timeoutMs: options.approvalTimeoutMs } } : {}),
      ...(options.coordination ? { coordination: options.coordination } : {}),
    });
    await this.gateway.start();
  }

  /** Stops the gateway and closes the store, leaving the database file. */
  async shut(graceMs = 200): Promise<void> {
    await this.gateway.stop(graceMs);
    await this.mcp?.close();
    await this.http.close();
    await this.store.close();
  }

  async restart(): Promise<void> {
    await this.shut();
    await this.open();
  }

  async close(): Promise<void> {
    this.fake.beforeReply = undefined;
    await this.shut(100).catch(() => undefined);
    await this.fake.stop();
    removeTempDir(this.dir);
  }

  async inboundStates(sessionId: string): Promise<{ text: string; state: InboundState }[]> {
    return (await this.store.queue.inboundOfSession(sessionId)).map((row) => ({ text: row.text, state: row.state }));
  }
}

/** The session id of an accept result, or a thrown error saying what came back instead. */
export function sessionOf(result: unknown): string {
  if (typeof result === "object" && result !== null && "sessionId" in result && typeof result.sessionId === "string") {
    return result.sessionId;
  }
  throw new Error(`not accepted: ${String(result instanceof Error ? result.message : JSON.stringify(result))}`);
}
