import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../crash/child-gateway.js";
import { isAnswer } from "../crash/crash-world.js";
import { DiskSpace } from "./disk-space.js";
import { Random, seeds } from "./fault-seeds.js";
import { PlatformWorld } from "./platform-world.js";
import { echoLabels, holdReplies, ThreePlatformMessages } from "./three-platforms.js";

let world: PlatformWorld | undefined;
let disk: DiskSpace | undefined;

afterEach(async () => {
  await disk?.close();
  disk = undefined;
  await world?.close();
  world = undefined;
});

/** A text too long to fit into the pages the database already has; it starts with its label. */
const bulky = (label: string, random: Random) => `${label} ${"lorem ipsum ".repeat(random.int(600, 900))}`;

describe.each(seeds)("seed %i: the database is full", (seed) => {
  it("every platform gets 503 and the log says why; once space returns the resends are stored and answered once", async () => {
    const random = new Random(seed + 7000);
    world = await PlatformWorld.create({ firstDelayMs: random.int(0, 100) });
    echoLabels(world.base.model);
    const life = await world.start({ GATEWAY_TEST_MAX_PAGES: "1" });
    const { telegram } = world;
    await waitFor(() => telegram.webhook !== undefined, "setWebhook");
    disk = DiskSpace.open(world.base.sandbox.db);
    disk.fill();

    const { tag } = world.base;
    const messages = new ThreePlatformMessages(
      world,
      life,
      random,
      (platform) => `full-${tag}-${platform}`,
      (label) => bulky(label, random),
    );

    await messages.expectRefused("SQLITE_FULL");

    disk.free();
    await messages.expectStoredAndAnswered();
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
    expect(messages.answers()).toEqual({ loopback: 1, telegram: 1, slack: 1 });
    expect(disk.integrity()).toBe("ok");
  });

  it("space running out while a turn runs: the process stays up, and once space returns the message is answered once", async () => {
    const random = new Random(seed + 8000);
    world = await PlatformWorld.create();
    const release = holdReplies(world.base.model);
    // The answer (about 3.5 KB, one platform message) needs pages the full database does not have.
    echoLabels(world.base.model, ` ${"y ".repeat(1700)}`);
    const life = await world.start({ GATEWAY_TEST_MAX_PAGES: "1" });
    disk = DiskSpace.open(world.base.sandbox.db);
    disk.free();
    const label = `midturn-${world.base.tag}`;
    const message = { ...world.base.message("M", 1), text: bulky(label, random) };
    expect((await life.post(message)).kind).toBe("accepted");
    const model = world.base.model;
    await waitFor(() => model.active.size === 1, "the turn's model request");
    disk.fill();
    release();
    const { platform } = world.base;
    // The disk stays full past the turn's three attempts (the seed says how far): refused writes must not use them up.
    const refusals = random.int(3, 4);
    const refused = () => life.output.split("the database refused a write").length - 1;
    await waitFor(
      () => refused() >= refusals,
      () => `${refusals} refused turn writes\n${life.output}`,
    );
    expect(life.hasExited, life.output).toBe(false);
    expect((await fetch(`${life.url}/healthz`)).status).toBe(200);
    disk.free();
    const answers = () => platform.live("M").filter(({ text }) => isAnswer(text) && text.includes(label));
    await waitFor(
      () => answers().length >= 1,
      () => `the answer after space returned\n${JSON.stringify(platform.calls)}\n${world?.logs()}`,
    );
    expect(await life.stop(), life.output).toEqual({ code: 0, signal: null });
    expect(answers()).toHaveLength(1);
    expect(disk.integrity()).toBe("ok");
  });
});
