import type { ModelClient } from "../../src/agent/messages.js";
import type { Config } from "../../src/config/config.js";
import type { PlaceOf } from "../../src/gateway/channel.js";
import type { Clock } from "../../src/ids.js";
import type { TurnContext } from "../../src/memory/turn-context.js";
import { createTurnContext } from "../../src/memory/turn-context-factory.js";
import type { SqliteStore } from "../../src/store/sqlite/sqlite-store.js";
import type { ChatRequestBody } from "../fakes/fake-openai.js";
import { testPlace } from "../gateway/gateway-harness.js";

export type MemorySettings = Partial<
  Pick<Config, "models" | "memory" | "compaction" | "budgets" | "triggers"> & { admins: string[] }
>;

/** The GatewayHarness hook that gives turns memories, compaction and budgets configured like the YAML. */
export function withMemory(
  settings: MemorySettings = {},
): (deps: { store: SqliteStore; model: ModelClient; clock: Clock; placeOf?: PlaceOf }) => TurnContext {
  return ({ store, model, clock, placeOf = testPlace }) =>
    createTurnContext({
      config: {
        models: settings.models ?? {},
        memory: settings.memory ?? { enabled: true, budget_tokens: 1500 },
        compaction: settings.compaction ?? { auto: true, reserve_tokens: 4096, default_context_tokens: 128_000 },
        budgets: settings.budgets ?? {},
        triggers: settings.triggers ?? [],
        access: { allow: ["*"], admins: settings.admins ?? [] },
        model: { baseUrl: "", apiKey: undefined, defaultModel: "fake-model", timeoutMs: 5000, maxReplyChars: 20_000 },
      },
      store,
      model,
      clock,
      placeOf,
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined },
    });
}

/** A tool call the fake model makes. */
export function call(name: string, args: object): { kind: "tools"; calls: { name: string; arguments: string }[] } {
  return { kind: "tools", calls: [{ name, arguments: JSON.stringify(args) }] };
}

export function systemText(body: ChatRequestBody | undefined): string {
  const system = body?.messages.find((message) => message.role === "system");
  return typeof system?.content === "string" ? system.content : "";
}

export function toolNames(body: ChatRequestBody | undefined): string[] {
  return (body?.tools ?? []).map((tool) => tool.function.name);
}

/** The content of the tool result messages in a request, in order. */
export function toolResults(body: ChatRequestBody | undefined): string[] {
  return (body?.messages ?? [])
    .filter((message) => message.role === "tool")
    .map((message) => (typeof message.content === "string" ? message.content : ""));
}
