import { afterEach, describe, expect, it } from "vitest";
import { ChildGateway, Sandbox } from "../crash/child-gateway.js";
import { FakeLoopbackPlatform } from "../fakes/fake-loopback-platform.js";
import { FakeOpenAi } from "../fakes/fake-openai.js";
import { createTestDatabase, type TestDatabase } from "../store/pg-test-database.js";
import { ADMIN_TOKEN, readPage, signIn } from "./console-world.js";

const opened: { stop(): Promise<unknown> }[] = [];
let database: TestDatabase | undefined;
let sandbox: Sandbox | undefined;

afterEach(async () => {
  for (const thing of opened.splice(0).reverse()) await thing.stop();
  await database?.drop();
  database = undefined;
  sandbox?.cleanup();
  sandbox = undefined;
});

/**
 * Two `gateway start` instances on one PostgreSQL database: a sign-in on one is a sign-in on the
 * other, a sign-out ends it on both, and failed sign-ins count across both.
 */
describe("the console across instances", { timeout: 240_000 }, () => {
  it("shares cookie sessions, sign-outs, the audit log and the sign-in limit through the database", async () => {
    database = await createTestDatabase();
    sandbox = new Sandbox();
    const model = await new FakeOpenAi().start();
    opened.push(model);
    const platform = await new FakeLoopbackPlatform().start();
    opened.push(platform);
    const start = async () => {
      const gateway = await ChildGateway.start({
        db: database?.url ?? "",
        home: sandbox?.dir ?? "",
        modelUrl: model.url,
        platformUrl: platform.url,
        extra: { GATEWAY_ADMIN_TOKEN: ADMIN_TOKEN },
      });
      opened.push(gateway);
      return gateway;
    };
    const a = await start();
    const b = await start();

    const signed = await signIn(a.url, ADMIN_TOKEN);
    expect(signed.status).toBe(303);
    const cookie = signed.cookie ?? "";
    const onB = await readPage(`${b.url}/admin`, cookie);
    expect(onB.status).toBe(200);
    expect(onB.body).toContain("Signed in as <strong>admin</strong>");

    // Sign out on B: A no longer knows the cookie either, and A's audit log shows both steps.
    const csrf = /name="csrf" value="([^"]+)"/.exec(onB.body)?.[1] ?? "";
    const out = await fetch(`${b.url}/admin/logout`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ csrf }).toString(),
      redirect: "manual",
    });
    expect(out.status).toBe(303);
    expect((await readPage(`${a.url}/admin`, cookie)).status).toBe(303);
    const again = (await signIn(a.url, ADMIN_TOKEN)).cookie ?? "";
    const audit = await readPage(`${a.url}/admin/audit`, again);
    expect(audit.body).toContain("console.sign-out");
    expect(audit.body.match(/console\.sign-in/g)).toHaveLength(2);

    // Five failures spread over both instances lock the address out of both.
    for (const gateway of [a, b, a, b, a]) expect((await signIn(gateway.url, "wrong")).status).toBe(401);
    expect((await signIn(b.url, ADMIN_TOKEN)).status).toBe(429);
  });
});
