import parsePrometheusTextFormat, { type PromFamily } from "parse-prometheus-text-format";
import { afterEach, describe, expect, it } from "vitest";
import { lastUserText } from "../fakes/fake-openai.js";
import { waitFor } from "../support/wait.js";
import { ADMIN_TOKEN, ConsoleWorld, METRICS_TOKEN } from "./console-world.js";

const PRICED = "models:\n  fake-model:\n    input_usd_per_million: 1\n    output_usd_per_million: 2\n";

let world: ConsoleWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function scrape(base: string, token = METRICS_TOKEN): Promise<PromFamily[]> {
  const response = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusTextFormat(await response.text());
}

/**
 * One sample's value (0 when the series does not exist yet); a histogram gives its count (its
 * `+Inf` bucket: this parser keeps neither a histogram's labels nor its count line).
 */
function value(families: PromFamily[], name: string, labels: Record<string, string> = {}): number {
  const family = families.find((f) => f.name === name);
  const sample = family?.metrics.find((m) =>
    Object.entries(labels).every(([key, wanted]) => m.labels?.[key] === wanted),
  );
  if (!sample) return 0;
  return Number(sample.value ?? sample.buckets?.["+Inf"] ?? Number.NaN);
}

/** `/metrics` in Prometheus text format: refused without the bearer token, and its series move as messages flow. */
describe("/metrics", { timeout: 240_000 }, () => {
  it("is read with a bearer token only", async () => {
    world = await ConsoleWorld.start();
    const url = `${world.url}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    // GATEWAY_METRICS_TOKEN is set, so the admin token does not read metrics.
    expect((await fetch(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(401);
    const families = await scrape(world.url);
    expect(families.find((f) => f.name === "process_cpu_user_seconds_total")?.type).toBe("COUNTER");
    expect(families.find((f) => f.name === "nodejs_heap_size_used_bytes")?.type).toBe("GAUGE");
  });

  it("counts messages, turns, model calls and tokens, 429s and retries; gauges show the queue", async () => {
    // Prices per million tokens, so the cost counter moves too.
    world = await ConsoleWorld.start({}, PRICED);
    const w = world;
    const before = await scrape(w.url);
    expect(value(before, "gateway_messages_total", { channel: "loopback", outcome: "accepted" })).toBe(0);
    expect(value(before, "gateway_turns_started_total")).toBe(0);

    for (const name of ["one", "two", "three"]) await w.say(name, `hello ${name}`);
    await waitFor(() => ["one", "two", "three"].every((name) => w.sentTo(name).length > 0), "three answers");
    // The same platform message again: recognised as a duplicate.
    const again = await w.gateway.post({
      conversation: "one",
      sender: "ann",
      text: "hello one",
      message_id: "one-hello one",
    });
    expect(again.kind).toBe("duplicate");

    const after = await waitFor(async () => {
      const families = await scrape(w.url);
      return value(families, "gateway_turns_finished_total", { state: "completed" }) >= 3 ? families : undefined;
    }, "three completed turns in /metrics");
    expect(value(after, "gateway_messages_total", { channel: "loopback", outcome: "accepted" })).toBe(3);
    expect(value(after, "gateway_messages_total", { channel: "loopback", outcome: "duplicate" })).toBe(1);
    expect(value(after, "gateway_turns_started_total")).toBe(3);
    expect(value(after, "gateway_turns_failed_total")).toBe(0);
    expect(value(after, "gateway_turn_duration_seconds")).toBe(3);
    expect(value(after, "gateway_model_request_duration_seconds")).toBe(3);
    // The fake model reports 12 prompt and 7 completion tokens per request.
    expect(value(after, "gateway_model_tokens_total", { model: "fake-model", kind: "prompt" })).toBe(36);
    expect(value(after, "gateway_model_tokens_total", { model: "fake-model", kind: "completion" })).toBe(21);
    // 36 prompt tokens at $1 and 21 completion tokens at $2 per million.
    expect(value(after, "gateway_model_cost_usd_total", { model: "fake-model" })).toBeCloseTo(0.000078, 9);

    // A 429 with retry_after, then a 502: the reply still goes out, and both are counted.
    w.platform.failNext({ status: 429, retryAfter: 1 });
    w.platform.failNext({ status: 502 });
    await w.say("four", "hello four");
    await waitFor(() => w.sentTo("four").length > 0, "the answer after a 429 and a 502");
    const limited = await scrape(w.url);
    expect(value(limited, "gateway_platform_rate_limited_total", { channel: "loopback" })).toBe(1);
    expect(value(limited, "gateway_platform_retries_total", { channel: "loopback" })).toBe(1);

    // While the model holds a turn, the queue gauges show it and the message waiting behind it.
    let release: (() => void) | undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    w.model.beforeReply = (body) => (lastUserText(body).includes("hold") ? held : undefined);
    await w.say("five", "hold this");
    await waitFor(() => w.model.active.size > 0, "the held model request");
    await w.say("five", "and this");
    const busy = await scrape(w.url);
    expect(value(busy, "gateway_turns_running")).toBe(1);
    expect(value(busy, "gateway_queue_depth")).toBe(2);
    release?.();
    await waitFor(() => w.sentTo("five").some((text) => text.includes("and this")), "both answered");
    const idle = await waitFor(async () => {
      const families = await scrape(w.url);
      return value(families, "gateway_queue_depth") === 0 && value(families, "gateway_outbox_backlog") === 0
        ? families
        : undefined;
    }, "an empty queue and outbox in /metrics");
    expect(value(idle, "gateway_turns_running")).toBe(0);
    expect(value(idle, "gateway_messages_total", { channel: "loopback", outcome: "accepted" })).toBe(6);
  });
});
