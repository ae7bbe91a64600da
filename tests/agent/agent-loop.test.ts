import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { runTurn, type TurnEvent, type TurnInput } from "../../src/agent/agent-loop.js";
import type { RetryPolicy } from "../../src/agent/backoff.js";
import { OpenAiModelClient } from "../../src/agent/llm-client.js";
import { defineTool } from "../../src/agent/tools.js";
import { type GatewayError, ModelError } from "../../src/errors.js";
import { type ChatRequestBody, FakeOpenAi } from "../fakes/fake-openai.js";
import { waitFor } from "../support/wait.js";

let fake: FakeOpenAi;
let delays: number[];
let added: { a: number; b: number }[];

const addTool = defineTool({
  name: "add",
  description: "Adds two numbers.",
  parameters: z.object({ a: z.number(), b: z.number() }),
  run: async ({ a, b }) => {
    added.push({ a, b });
    return { ok: true, content: String(a + b) };
  },
});

beforeEach(async () => {
  fake = await new FakeOpenAi().start();
  delays = [];
  added = [];
});

afterEach(async () => {
  await fake.stop();
});

function retryPolicy(attempts = 4): RetryPolicy {
  return {
    attempts,
    baseDelayMs: 100,
    maxDelayMs: 30_000,
    sleep: async (ms) => {
      delays.push(ms);
    },
  };
}

async function run(overrides: Partial<TurnInput> = {}, onEvent?: (event: TurnEvent) => void): Promise<TurnEvent[]> {
  const client = new OpenAiModelClient({ baseUrl: fake.url, apiKey: undefined });
  const events: TurnEvent[] = [];
  for await (const event of runTurn(client, {
    model: "fake-model",
    instructions: "You are a terse assistant.",
    history: [{ role: "user", content: "hi" }],
    tools: [addTool],
    maxSteps: 4,
    idleTimeoutMs: 5_000,
    retry: retryPolicy(),
    toolContext: { sessionId: "s1", expert: "tester", now: () => 0 },
    ...overrides,
  })) {
    events.push(event);
    onEvent?.(event);
  }
  return events;
}

function ofType<T extends TurnEvent["type"]>(events: TurnEvent[], type: T): Extract<TurnEvent, { type: T }>[] {
  return events.filter((event): event is Extract<TurnEvent, { type: T }> => event.type === type);
}

function doneOf(events: TurnEvent[]): Extract<TurnEvent, { type: "done" }> {
  const last = events.at(-1);
  if (last?.type !== "done") throw new Error(`expected done, got ${JSON.stringify(last)}`);
  return last;
}

function errorOf(events: TurnEvent[]): GatewayError {
  const last = events.at(-1);
  if (last?.type !== "error") throw new Error(`expected error, got ${JSON.stringify(last)}`);
  return last.error;
}

function streamedText(events: TurnEvent[]): string {
  return ofType(events, "text")
    .map((event) => event.delta)
    .join("");
}

function toolMessages(body: ChatRequestBody | undefined): { tool_call_id?: string; content: unknown }[] {
  return (body?.messages ?? []).filter((message) => message.role === "tool");
}

describe("runTurn with OpenAiModelClient against FakeOpenAi", () => {
  it("streams text as several events and reports the full answer in done", async () => {
    const answer = "Hello there, this answer comes in many small pieces.";
    fake.reply({ kind: "text", text: answer });
    const events = await run();
    expect(ofType(events, "text").length).toBeGreaterThan(3);
    expect(streamedText(events)).toBe(answer);
    expect(doneOf(events)).toEqual({ type: "done", text: answer, steps: 1 });
  });

  it("sends the instructions as the system message, then the history", async () => {
    fake.reply({ kind: "text", text: "ok" });
    await run({ instructions: "Speak like a pirate." });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.messages.slice(0, 2)).toEqual([
      { role: "system", content: "Speak like a pirate." },
      { role: "user", content: "hi" },
    ]);
    expect(fake.requests[0]?.tools?.map((tool) => tool.function.name)).toEqual(["add"]);
  });

  it("reports the usage the server sent", async () => {
    fake.reply({ kind: "text", text: "counted", usage: { prompt_tokens: 31, completion_tokens: 9 } });
    const events = await run();
    expect(ofType(events, "usage")).toEqual([
      { type: "usage", promptTokens: 31, completionTokens: 9, estimated: false },
    ]);
  });

  it("estimates usage and flags it when the server sends none", async () => {
    const answer = "no usage from this server, so it is estimated";
    fake.reply({ kind: "text", text: answer, usage: null });
    const [usage] = ofType(await run(), "usage");
    expect(usage?.estimated).toBe(true);
    expect(usage?.promptTokens).toBeGreaterThan(0);
    expect(usage?.completionTokens).toBe(Math.ceil(answer.length / 4));
  });

  it("runs a tool with good arguments and sends its result back to the model", async () => {
    fake.reply(
      { kind: "tools", calls: [{ name: "add", arguments: '{"a":2,"b":3}', id: "call_add" }] },
      { kind: "text", text: "The sum is 5." },
    );
    const events = await run();
    expect(added).toEqual([{ a: 2, b: 3 }]);
    expect(ofType(events, "tool_result").map((event) => event.result)).toEqual([{ ok: true, content: "5" }]);
    expect(fake.requests).toHaveLength(2);
    const second = fake.requests[1];
    const assistant = second?.messages.find((message) => message.role === "assistant");
    expect(assistant?.tool_calls).toEqual([
      { id: "call_add", type: "function", function: { name: "add", arguments: '{"a":2,"b":3}' } },
    ]);
    expect(toolMessages(second)).toEqual([{ role: "tool", tool_call_id: "call_add", content: "5" }]);
    expect(doneOf(events)).toEqual({ type: "done", text: "The sum is 5.", steps: 2 });
    expect(ofType(events, "usage")).toEqual([
      { type: "usage", promptTokens: 10 + 12, completionTokens: 5 + 7, estimated: false },
    ]);
  });

  it.each([
    { label: "invalid JSON", name: "add", args: '{"a":2,', expected: "not valid JSON" },
    { label: "arguments failing the schema", name: "add", args: '{"a":"two","b":3}', expected: "invalid arguments: a" },
    { label: "an unknown tool", name: "subtract", args: '{"a":1,"b":1}', expected: 'unknown tool "subtract"' },
  ])("sends $label back to the model as a tool error and continues", async ({ name, args, expected }) => {
    fake.reply({ kind: "tools", calls: [{ name, arguments: args, id: "call_bad" }] }, { kind: "text", text: "fixed" });
    const events = await run();
    expect(added).toEqual([]);
    const [message] = toolMessages(fake.requests[1]);
    expect(message?.tool_call_id).toBe("call_bad");
    expect(String(message?.content)).toMatch(/^error: /);
    expect(String(message?.content)).toContain(expected);
    expect(ofType(events, "tool_result")[0]?.result.ok).toBe(false);
    expect(doneOf(events).text).toBe("fixed");
  });

  it("waits as Retry-After says on 429, then succeeds", async () => {
    fake.reply({ kind: "status", status: 429, retryAfter: "2" }, { kind: "text", text: "after the wait" });
    const events = await run();
    expect(delays).toEqual([2000]);
    expect(fake.requests).toHaveLength(2);
    expect(doneOf(events).text).toBe("after the wait");
  });

  it("announces a Retry-After over 30 s with the time of the next try, then waits it out", async () => {
    fake.reply({ kind: "status", status: 429, retryAfter: "45" }, { kind: "text", text: "after the long wait" });
    const events = await run();
    const waiting = ofType(events, "waiting");
    expect(waiting).toHaveLength(1);
    expect(waiting[0]?.delayMs).toBe(45_000);
    expect(delays).toEqual([45_000]);
    expect(doneOf(events).text).toBe("after the long wait");
  });

  it("says nothing about a short Retry-After", async () => {
    fake.reply({ kind: "status", status: 429, retryAfter: "30" }, { kind: "text", text: "ok" });
    const events = await run();
    expect(ofType(events, "waiting")).toEqual([]);
    expect(delays).toEqual([30_000]);
  });

  it("gives up at once with a message when Retry-After is over 10 minutes", async () => {
    fake.reply({ kind: "status", status: 429, retryAfter: "3600" }, { kind: "text", text: "never sent" });
    const events = await run();
    expect(delays).toEqual([]);
    expect(fake.requests).toHaveLength(1);
    expect(errorOf(events).message).toMatch(/429.*wait 60 minutes.*10 minutes in all/);
  });

  it("gives up when the waits together would pass 10 minutes", async () => {
    fake.reply(
      { kind: "status", status: 503, retryAfter: "400" },
      { kind: "status", status: 503, retryAfter: "400" },
      { kind: "text", text: "never sent" },
    );
    const events = await run();
    expect(delays).toEqual([400_000]);
    expect(ofType(events, "waiting")).toHaveLength(1);
    expect(errorOf(events).code).toBe("MODEL_HTTP");
  });

  it("cuts an answer at the reply limit, stops the model and says so", async () => {
    const flags = "🇩🇪".repeat(5_000);
    fake.reply({ kind: "text", text: flags, pieces: flags.match(/.{1,7}/gsu) ?? [] });
    const events = await run({ maxReplyChars: 1_001 });
    const text = doneOf(events).text;
    expect(text).toBe(`${"🇩🇪".repeat(250)}\n\n(The answer was cut here: it reached the limit of 1,001 characters.)`);
    expect(
      ofType(events, "text")
        .map((event) => event.delta)
        .join(""),
    ).toBe(text);
    expect(ofType(events, "step")[0]?.text).toBe(text);
  });

  it("gives up on 500 after the policy's attempts", async () => {
    fake.reply(...Array.from({ length: 4 }, () => ({ kind: "status" as const, status: 500 })), {
      kind: "text",
      text: "too late",
    });
    const events = await run({ retry: retryPolicy(4) });
    const error = errorOf(events);
    expect(error).toBeInstanceOf(ModelError);
    expect(error.code).toBe("MODEL_HTTP");
    expect(error instanceof ModelError ? error.status : undefined).toBe(500);
    expect(fake.requests).toHaveLength(4);
    expect(delays).toHaveLength(3);
    expect(ofType(events, "done")).toEqual([]);
  });

  it("does not retry a 400", async () => {
    fake.reply({ kind: "status", status: 400, message: "bad request" }, { kind: "text", text: "never" });
    const error = errorOf(await run());
    expect(error.code).toBe("MODEL_HTTP");
    expect(error instanceof ModelError ? error.status : undefined).toBe(400);
    expect(fake.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it("fails with MODEL_TIMEOUT when the model sends nothing", async () => {
    fake.fallback = () => ({ kind: "hang" });
    const error = errorOf(await run({ idleTimeoutMs: 300, retry: retryPolicy(2) }));
    expect(error.code).toBe("MODEL_TIMEOUT");
    // Every hanging request was given up and closed, none left waiting.
    await waitFor(() => fake.active.size === 0, "the hanging requests closed");
  });

  it("fails with MODEL_STREAM and does not retry when the stream is cut after text", async () => {
    fake.reply({ kind: "cut", text: "partial answer", flush: true }, { kind: "text", text: "second try" });
    const events = await run();
    expect(streamedText(events)).toBe("partial answer");
    expect(errorOf(events).code).toBe("MODEL_STREAM");
    expect(fake.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it("never shows <think> blocks, even when the tags are split across pieces", async () => {
    fake.reply({
      kind: "text",
      text: "<think>secret</think>visible",
      pieces: ["<thi", "nk>secret</th", "ink>visible"],
    });
    const events = await run();
    for (const event of ofType(events, "text")) {
      expect(event.delta).not.toMatch(/secret|<|>/);
    }
    expect(streamedText(events)).toBe("visible");
    expect(doneOf(events).text).toBe("visible");
  });

  it("never shows reasoning_content", async () => {
    fake.reply({ kind: "text", text: "plain answer", reasoning: "hidden chain of thought" });
    const events = await run();
    expect(JSON.stringify(events)).not.toContain("hidden chain of thought");
    expect(doneOf(events).text).toBe("plain answer");
  });

  it("drops the tools after maxSteps so the model has to answer", async () => {
    fake.fallback = (body) =>
      body.tools
        ? { kind: "tools", calls: [{ name: "add", arguments: '{"a":1,"b":1}' }] }
        : { kind: "text", text: "final" };
    const events = await run({ maxSteps: 2 });
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests[0]?.tools).toBeDefined();
    expect(fake.requests[1]?.tools).toBeDefined();
    expect(fake.requests[2]?.tools).toBeUndefined();
    expect(added).toHaveLength(2);
    expect(doneOf(events)).toEqual({ type: "done", text: "final", steps: 3 });
  });

  it("ignores tool calls the model makes once the tools are gone", async () => {
    fake.fallback = () => ({ kind: "tools", calls: [{ name: "add", arguments: '{"a":1,"b":1}' }], text: "stubborn" });
    const events = await run({ maxSteps: 1 });
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]?.tools).toBeUndefined();
    expect(added).toHaveLength(1);
    expect(doneOf(events)).toEqual({ type: "done", text: "stubborn", steps: 2 });
  });

  it("ends with MODEL_ABORTED when the signal fires mid-stream", async () => {
    const controller = new AbortController();
    fake.reply({ kind: "text", text: "a slow answer that keeps on coming for a while", delayMs: 30 });
    const events = await run({ signal: controller.signal }, (event) => {
      if (event.type === "text") controller.abort();
    });
    expect(ofType(events, "text").length).toBeGreaterThanOrEqual(1);
    expect(streamedText(events).length).toBeLessThan(20);
    expect(errorOf(events).code).toBe("MODEL_ABORTED");
    expect(fake.requests).toHaveLength(1);
    await waitFor(() => fake.active.size === 0, "the aborted request closed");
  });
});
