import { afterEach, describe, expect, it } from "vitest";
import { type ChildGateway, waitFor } from "../crash/child-gateway.js";
import { CrashWorld } from "../crash/crash-world.js";
import type { FakeReply } from "../fakes/fake-openai.js";
import { Random, seeds } from "./fault-seeds.js";

let world: CrashWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

/**
 * Sends one message in a conversation of its own with the model scripted to `replies`,
 * waits for the conversation to show a final message, and returns what it shows.
 */
async function ask(target: CrashWorld, life: ChildGateway, conversation: string, replies: FakeReply[]) {
  target.model.reply(...replies);
  const message = target.message(conversation, 1);
  expect((await life.post(message)).kind).toBe("accepted");
  const shown = () => target.platform.live(conversation).map(({ text }) => text);
  await waitFor(
    () => shown().some((text) => text.startsWith("Sorry") || (text.startsWith("echo: ") && !text.endsWith(" …"))),
    () => `an answer in ${conversation}: ${JSON.stringify(shown())}\n${target.logs()}`,
  );
  return { message, shown };
}

const status500: FakeReply = { kind: "status", status: 500, retryAfter: "0", message: "upstream exploded" };

describe.each(seeds)("seed %i: the model fails", (seed) => {
  it("500s: retried into an answer; four in a row give one short error answer; the next message is answered", async () => {
    const random = new Random(seed + 4000);
    world = await CrashWorld.create({ pieceDelayMs: random.int(0, 10) });
    const life = await world.start();
    const retried = await ask(
      world,
      life,
      "R",
      Array.from({ length: random.int(1, 3) }, () => status500),
    );
    const failed = await ask(world, life, "F", [status500, status500, status500, status500]);
    const after = await ask(world, life, "N", []);
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
    expect(retried.shown()).toEqual([`echo: ${retried.message.text}`]);
    expect(failed.shown()).toEqual([
      "Sorry, I could not answer: the model endpoint answered 500: upstream exploded. Send your message again to retry.",
    ]);
    expect(after.shown()).toEqual([`echo: ${after.message.text}`]);
  });

  it("a hang: the idle timeout ends the turn with a short error answer, and the request is closed", async () => {
    const random = new Random(seed + 5000);
    world = await CrashWorld.create({ pieceDelayMs: random.int(0, 10) });
    const life = await world.start({ extra: { GATEWAY_MODEL_TIMEOUT: "1" } });
    const startedAt = Date.now();
    const hung = await ask(world, life, "H", [{ kind: "hang" }]);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1000);
    const model = world.model;
    await waitFor(() => model.active.size === 0, "the hanging request to be closed by the gateway");
    const after = await ask(world, life, "N", []);
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
    expect(hung.shown()).toEqual([
      "Sorry, I could not answer: the model sent nothing for 1 s. Send your message again to retry.",
    ]);
    expect(after.shown()).toEqual([`echo: ${after.message.text}`]);
  });

  it("a stream cut halfway: one answer (an error, not a half answer left as final), and the next message is answered", async () => {
    const random = new Random(seed + 6000);
    world = await CrashWorld.create({ pieceDelayMs: random.int(0, 10) });
    const life = await world.start();
    const half = `echo: the first half of an answer ${"that goes on ".repeat(random.int(1, 20))}`;
    const cut = await ask(world, life, "C", [{ kind: "cut", text: half, flush: true }]);
    const after = await ask(world, life, "N", []);
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
    const shown = cut.shown();
    expect(shown, life.output).toHaveLength(1);
    expect(shown[0]).toMatch(/^Sorry, I could not answer: .*Send your message again to retry\.$/);
    expect(after.shown()).toEqual([`echo: ${after.message.text}`]);
  });
});
