import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../crash/child-gateway.js";
import { isAnswer, readDb } from "../crash/crash-world.js";
import { createTestDatabase, createTestRole, type TestDatabase, type TestRole } from "../store/pg-test-database.js";
import { Random, seeds } from "./fault-seeds.js";
import { PlatformWorld } from "./platform-world.js";
import { echoLabels, holdReplies, ThreePlatformMessages } from "./three-platforms.js";

/*
 * The PostgreSQL twin of `database-full`: the gateway connects as a role of its own, and the test
 * revokes that role's right to write (INSERT, UPDATE, DELETE) while the gateway runs, then grants
 * it again. Open connections stay up; every write fails with 42501 "permission denied".
 */

let world: PlatformWorld | undefined;
let database: TestDatabase | undefined;
let role: TestRole | undefined;

afterEach(async () => {
  await world?.close();
  await database?.drop();
  await role?.drop();
  world = undefined;
  database = undefined;
  role = undefined;
});

/** A database and a role of its own for one test; the gateway connects with `role.url`. */
async function ownDatabase(): Promise<TestRole> {
  database = await createTestDatabase();
  role = await createTestRole(database);
  return role;
}

describe.each(seeds)("seed %i: PostgreSQL refuses writes (privileges revoked)", (seed) => {
  it("every platform gets 503 and the log says why; once writes return the resends are stored and answered once", async () => {
    const random = new Random(seed + 9000);
    world = await PlatformWorld.create({ firstDelayMs: random.int(0, 100) });
    echoLabels(world.base.model);
    const gatewayRole = await ownDatabase();
    world.base.db = gatewayRole.url;
    const life = await world.start({ GATEWAY_DB: gatewayRole.url });
    const { telegram } = world;
    await waitFor(() => telegram.webhook !== undefined, "setWebhook");
    await gatewayRole.writable(false);

    const { tag } = world.base;
    const messages = new ThreePlatformMessages(
      world,
      life,
      random,
      (platform) => `refused-${tag}-${platform}`,
      (label) => `${label} hello`,
    );

    await messages.expectRefused("permission denied");
    // Nothing of the refused deliveries reached the database.
    expect((await readDb(gatewayRole.url)).inbound).toEqual([]);

    await gatewayRole.writable(true);
    await messages.expectStoredAndAnswered();
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
    expect(messages.answers()).toEqual({ loopback: 1, telegram: 1, slack: 1 });
    const facts = await readDb(gatewayRole.url);
    expect(facts.inbound.map((row) => row.state)).toEqual(["answered", "answered", "answered"]);
    expect(facts.unfinishedOutbox).toEqual([]);
  });

  it("writes revoked while a turn runs: the process stays up, and once they return the message is answered once", async () => {
    const random = new Random(seed + 9500);
    world = await PlatformWorld.create();
    const release = holdReplies(world.base.model);
    echoLabels(world.base.model);
    const gatewayRole = await ownDatabase();
    world.base.db = gatewayRole.url;
    const life = await world.start({ GATEWAY_DB: gatewayRole.url });
    const label = `midturn-${world.base.tag}`;
    const message = { ...world.base.message("M", 1), text: `${label} hello` };
    expect((await life.post(message)).kind).toBe("accepted");
    const model = world.base.model;
    await waitFor(() => model.active.size === 1, "the turn's model request");
    await gatewayRole.writable(false);
    release();
    const { platform } = world.base;
    // The turn's ending is refused, and so is giving the turn back (a write): the scheduler tries
    // that again on each tick. Meanwhile every other writer fails too; the seed says how many of
    // the outbox sender's refused ticks to wait before writes return.
    await waitFor(
      () => life.output.includes("the database refused a write"),
      () => `the refused turn write\n${life.output}`,
    );
    const ticks = random.int(3, 8);
    const failedTicks = () => life.output.split("outbox tick failed").length - 1;
    await waitFor(
      () => failedTicks() >= ticks,
      () => `${ticks} refused outbox ticks\n${life.output}`,
    );
    expect(life.hasExited, life.output).toBe(false);
    expect((await fetch(`${life.url}/healthz`)).status).toBe(200);
    await gatewayRole.writable(true);
    const answers = () => platform.live("M").filter(({ text }) => isAnswer(text) && text.includes(label));
    await waitFor(
      () => answers().length >= 1,
      () => `the answer after writes returned\n${JSON.stringify(platform.calls)}\n${world?.logs()}`,
    );
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
    expect(answers()).toHaveLength(1);
    const facts = await readDb(gatewayRole.url);
    expect(facts.inbound.map((row) => row.state)).toEqual(["answered"]);
    // The refused attempt was given back: the turn completed as its first attempt.
    expect(facts.turns.map(({ state, attempts }) => ({ state, attempts }))).toEqual([
      { state: "completed", attempts: 1 },
    ]);
    expect(facts.unfinishedOutbox).toEqual([]);
  });
});
