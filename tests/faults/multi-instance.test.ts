import { afterEach, describe, expect, it } from "vitest";
import type { ChildGateway } from "../crash/child-gateway.js";
import { postWebhookUpdate } from "../fakes/fake-telegram.js";
import { eventCallback, messageEvent, postSigned } from "../slack/slack-world.js";
import { sleep, waitFor } from "../support/wait.js";
import { Random, seedsAtLeast } from "./fault-seeds.js";
import { InstancesWorld } from "./instances-world.js";
import { expectSharedWorkHeld, waitAnsweredAndSettled } from "./multi-instance-checks.js";
import { NginxFront } from "./nginx-front.js";
import { WEBHOOK_SECRET } from "./platform-world.js";

let world: InstancesWorld | undefined;
let nginx: NginxFront | undefined;

afterEach(async () => {
  await nginx?.stop();
  await world?.close();
  world = undefined;
  nginx = undefined;
});

const CONVERSATIONS = 50;
const MESSAGES = 3;

/** Runs `jobs` a few at a time, in the order given. */
async function inBatches(jobs: (() => Promise<void>)[], size: number): Promise<void> {
  for (let index = 0; index < jobs.length; index += size) {
    await Promise.all(jobs.slice(index, index + size).map((job) => job()));
  }
}

/** Delivers until a gateway stored it (200), as a platform retries: a refused or dead target means "again". */
async function deliverUntilStored(send: () => Promise<number>): Promise<void> {
  await waitFor(async () => (await send().catch(() => 0)) === 200, "a delivery stored");
}

/** Starts the three instances at once, as a deployment does: they migrate and join concurrently. */
async function startThree(here: InstancesWorld, options: { webhook: boolean }): Promise<void> {
  await Promise.all([0, 1, 2].map(() => here.start(options)));
}

/** The surviving instances stop cleanly (SIGTERM drains and exits 0). */
async function stopSurvivors(here: InstancesWorld): Promise<void> {
  for (const instance of here.live()) expect(await instance.stop(), here.logs()).toEqual({ code: 0, signal: null });
}

/** Two seeds in `npm test`: where the kill lands varies a lot, and one seed would try one moment. */
describe.each(seedsAtLeast(2))("seed %i: three instances on one PostgreSQL database", (seed) => {
  it("spread webhook deliveries (Slack through nginx), one instance killed: every message answered once", async () => {
    const random = new Random(seed);
    const here = await InstancesWorld.create({ delayMs: () => random.int(20, 250) });
    world = here;
    await startThree(here, { webhook: true });
    const front = await NginxFront.start(here.instances.map((instance) => instance.port));
    nginx = front;
    const tag = `${seed}x${random.int(1000, 9999)}`;
    const texts: string[] = [];
    const rounds: (() => Promise<void>)[][] = Array.from({ length: MESSAGES }, () => []);
    for (let conversation = 0; conversation < CONVERSATIONS; conversation++) {
      const telegram = conversation % 2 === 0;
      const root = `${1_700_000_000 + seed * 1000 + conversation}.000100`;
      for (let n = 1; n <= MESSAGES; n++) {
        const text = `m${tag}-${telegram ? "t" : "s"}${conversation}-${n}`;
        texts.push(text);
        const round = rounds[n - 1] ?? [];
        if (telegram) {
          const user = { id: 6_000_000_000 + conversation, is_bot: false, first_name: `U${conversation}` };
          const update = here.telegram.privateText(text, { from: user });
          // Telegram posts to one instance; a dead one means posting again, to another.
          round.push(() =>
            deliverUntilStored(async () => {
              const live = here.live();
              const target = live[random.int(0, live.length - 1)] as ChildGateway;
              return (await postWebhookUpdate(`${target.url}/telegram/webhook`, update, WEBHOOK_SECRET)).status;
            }),
          );
        } else {
          const ts = n === 1 ? root : `${root.slice(0, -1)}${n}`;
          const event = messageEvent({ channel: "C1", text, ts, mention: true, ...(n > 1 ? { threadTs: root } : {}) });
          const body = JSON.stringify(eventCallback(event, `Ev-${tag}-${conversation}-${n}`));
          round.push(() => deliverUntilStored(async () => (await postSigned(front.port, body)).status));
        }
      }
    }
    const victim = here.instances[random.int(0, 2)] as ChildGateway;
    const killed = sleep(random.int(0, 2500)).then(() => victim.kill());
    for (const round of rounds) {
      await inBatches(random.shuffle(round), random.int(4, 10));
      await sleep(random.int(0, 300));
    }
    await killed;
    expect(await victim.exited).toEqual({ code: null, signal: "SIGKILL" });
    await waitAnsweredAndSettled(here, texts);
    for (const instance of here.live()) {
      const health = await here.health(instance);
      expect(health.status, here.logs()).toBe(200);
      expect(health.database).toMatchObject({ backend: "postgresql", ok: true });
    }
    await waitFor(
      async () => (await here.health(here.live()[0] as ChildGateway)).instances === 2,
      "the killed instance gone from the instances count",
    );
    await expectSharedWorkHeld(here, texts);
    await stopSurvivors(here);
  });

  it("Telegram long polling: one leader polls; killed, another takes over, a graceful stop hands it on; every message answered once", async () => {
    const random = new Random(seed + 100);
    const here = await InstancesWorld.create({ delayMs: () => random.int(20, 250) });
    world = here;
    await startThree(here, { webhook: false });
    const leaders = async () => {
      const roles = await Promise.all(here.live().map(async (instance) => (await here.health(instance)).role));
      return here.live().filter((_, index) => roles[index]?.poll_leader === true);
    };
    const leader = await waitFor(async () => {
      const found = await leaders();
      return found.length === 1 ? found[0] : undefined;
    }, "one poll leader among three instances");
    const tag = `${seed}p${random.int(1000, 9999)}`;
    const texts: string[] = [];
    const killed = sleep(random.int(0, 1500)).then(() => leader.kill());
    for (let n = 1; n <= MESSAGES; n++) {
      for (const conversation of random.shuffle(Array.from({ length: 10 }, (_, index) => index))) {
        const text = `m${tag}-p${conversation}-${n}`;
        texts.push(text);
        here.telegram.privateText(text, {
          from: { id: 6_100_000_000 + conversation, is_bot: false, first_name: `P${conversation}` },
        });
      }
      await sleep(random.int(100, 600));
    }
    await killed;
    expect(await leader.exited).toEqual({ code: null, signal: "SIGKILL" });
    const next = await waitFor(
      async () => {
        const found = await leaders();
        return found.length === 1 ? found[0] : undefined;
      },
      () => `a new poll leader\n${here.logs()}`,
    );
    expect(next).not.toBe(leader);
    await waitAnsweredAndSettled(here, texts);
    // A graceful stop (a rolling restart) hands the poll over too: the last instance takes it.
    expect(await next.stop(), here.logs()).toEqual({ code: 0, signal: null });
    await waitFor(
      async () => (await leaders()).length === 1,
      () => `the last instance polling\n${here.logs()}`,
    );
    for (let conversation = 0; conversation < 5; conversation++) {
      const text = `m${tag}-after-${conversation}`;
      texts.push(text);
      here.telegram.privateText(text, { from: { id: 6_100_000_000 + conversation, is_bot: false, first_name: "P" } });
    }
    await waitAnsweredAndSettled(here, texts);
    expect(here.telegram.overlappingPolls, "two instances polled at once").toBe(0);
    await expectSharedWorkHeld(here, texts);
    await stopSurvivors(here);
  });
});
