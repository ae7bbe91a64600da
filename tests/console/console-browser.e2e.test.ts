import type { BrowserContext } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { lastUserText } from "../fakes/fake-openai.js";
import { waitFor } from "../support/wait.js";
import { launchBrowser, screenshots } from "./browser.js";
import { ADMIN_TOKEN, ConsoleWorld, signIn } from "./console-world.js";

let world: ConsoleWorld | undefined;
let browser: BrowserContext | undefined;

afterEach(async () => {
  await browser?.close();
  browser = undefined;
  await world?.close();
  world = undefined;
});

/**
 * The operator console in a real browser (Debian's Chromium through playwright-core) against a
 * `gateway start` child: sign-in, search, the transcript, sharing, the live queue and the
 * refusals; every page is photographed at desktop and phone width.
 */
describe("operator console in Chromium", { timeout: 300_000 }, () => {
  it("signs in, finds and opens a session, marks it private, drops a waiting message, refuses forged requests", async () => {
    world = await ConsoleWorld.start();
    const w = world;
    // A transcript with a word to search for, and a secret that must never be shown.
    const found = await w.say("harbour", "where does the zebra lighthouse stand?");
    await waitFor(() => w.sentTo("harbour").some((text) => text.includes("zebra lighthouse")), "the first answer");
    await w.say("harbour", `my token is ${ADMIN_TOKEN}, keep it`);
    await waitFor(() => w.sentTo("harbour").length >= 2, "the second answer");

    browser = await launchBrowser();
    const page = browser.pages()[0] ?? (await browser.newPage());

    // Without a session every page sends the browser to the sign-in form.
    await page.goto(`${w.url}/admin/queues`);
    expect(new URL(page.url()).pathname).toBe("/admin/login");
    await screenshots(page, "sign-in");

    // A wrong token is refused and said so.
    await page.getByLabel("Access token").fill("not-the-token");
    const wrong = page.waitForResponse((response) => response.url().endsWith("/admin/login"));
    await page.getByRole("button", { name: "Sign in" }).click();
    const wrongResponse = await wrong;
    expect(wrongResponse.status()).toBe(401);
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("not valid");

    await page.getByLabel("Access token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Sessions" }).waitFor();
    const cookies = await browser.cookies(`${w.url}/admin`);
    expect(cookies.find((cookie) => cookie.name === "cg_console")).toMatchObject({
      httpOnly: true,
      sameSite: "Strict",
    });
    await screenshots(page, "sessions");

    // Full-text search with a snippet, then the transcript.
    await page.getByLabel("Words in the transcript").fill("zebra");
    await page.getByRole("button", { name: "Find" }).click();
    await page.locator("mark", { hasText: "zebra" }).first().waitFor();
    await page.getByRole("link", { name: /zebra lighthouse/ }).click();
    await page.getByRole("heading", { name: "Transcript" }).waitFor();
    expect(new URL(page.url()).searchParams.get("id")).toBe(found);
    const transcript = await page.locator("ol.transcript").innerText();
    expect(transcript).toContain("echo: where does the zebra lighthouse stand?");
    expect(transcript).toContain("[redacted]");
    expect(await page.content()).not.toContain(ADMIN_TOKEN);
    await screenshots(page, "session");

    // Shared with its workspace, then private: the lock shows.
    await page.getByLabel("Who may read it").selectOption("shared");
    await page.getByRole("button", { name: "Set sharing" }).click();
    await page.getByRole("status").filter({ hasText: "Sharing changed" }).waitFor();
    expect(await page.locator(".badge.private").count()).toBe(0);
    await page.getByLabel("Who may read it").selectOption("private");
    await page.getByRole("button", { name: "Set sharing" }).click();
    await page.getByRole("status").filter({ hasText: "private now" }).waitFor();
    await expect.poll(() => page.locator(".badge.private").first().textContent()).toContain("Private");
    await page.goto(`${w.url}/admin?q=zebra`);
    await expect.poll(() => page.locator("tbody tr .badge.private").count()).toBe(1);

    // A turn held by the model, two messages waiting behind it: drop one on the queues page.
    let release: (() => void) | undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    w.model.beforeReply = (body) => (lastUserText(body).includes("hold on") ? held : undefined);
    const busy = await w.say("busy", "hold on to this one");
    await waitFor(() => [...w.model.active].some((body) => lastUserText(body).includes("hold on")), "the held turn");
    await w.say("busy", "drop me please");
    await w.say("busy", "keep me please");
    await page.goto(`${w.url}/admin/queues`);
    await expect.poll(() => page.locator("#running + .table-wrap").innerText()).toContain(busy);
    await screenshots(page, "queues");
    await page.getByRole("button", { name: "Drop waiting message: drop me please" }).click();
    await page.getByRole("status").filter({ hasText: "will not be answered" }).waitFor();
    expect(await page.getByText("drop me please").count()).toBe(0);
    release?.();
    await waitFor(
      () => w.model.requests.some((body) => lastUserText(body).includes("keep me please")),
      "the waiting message to be answered",
    );
    await waitFor(() => w.sentTo("busy").some((text) => text.includes("keep me please")), "its answer");
    const seen = w.model.requests.flatMap((body) => body.messages.map((message) => JSON.stringify(message.content)));
    expect(seen.some((text) => text.includes("drop me please"))).toBe(false);
    expect(w.sentTo("busy").some((text) => text.includes("drop me please"))).toBe(false);

    // Every change is in the audit log.
    await page.getByRole("link", { name: "Audit log" }).click();
    const log = await page.locator("table").innerText();
    expect(log).toContain("session.sharing");
    expect(log).toContain("queue.drop");
    expect(log).toContain("console.sign-in");
    await screenshots(page, "audit");

    // Delete asks first.
    await page.goto(`${w.url}/admin/session/delete?id=${found}`);
    await screenshots(page, "delete");

    // Forged requests change nothing: no CSRF token, a wrong one, no cookie at all.
    const noCsrf = await page.request.post(`${w.url}/admin/session/archive`, { form: { id: found } });
    expect(noCsrf.status()).toBe(403);
    const wrongCsrf = await page.request.post(`${w.url}/admin/session/archive`, { form: { id: found, csrf: "guess" } });
    expect(wrongCsrf.status()).toBe(403);
    const csrf = await page.locator('input[name="csrf"]').first().getAttribute("value");
    const noCookie = await fetch(`${w.url}/admin/session/archive`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ id: found, csrf: csrf ?? "" }).toString(),
      redirect: "manual",
    });
    expect(noCookie.status).toBe(401);
    const crossSite = await page.request.post(`${w.url}/admin/session/archive`, {
      form: { id: found, csrf: csrf ?? "" },
      headers: { origin: "https://evil.example" },
    });
    expect(crossSite.status()).toBe(403);
    await page.goto(`${w.url}/admin/session?id=${found}`);
    expect(await page.locator(".badge", { hasText: "archived" }).count()).toBe(0);

    // Sign-in is rate-limited: after five failures even the right token is refused for a while.
    for (let attempt = 0; attempt < 4; attempt++) expect((await signIn(w.url, "wrong-token")).status).toBe(401);
    expect((await signIn(w.url, ADMIN_TOKEN)).status).toBe(429);
  });
});
