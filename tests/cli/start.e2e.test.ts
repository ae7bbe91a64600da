import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect } from "vitest";
import { freePort, cliTest as it, lines, waitFor } from "./run-cli.js";

/** Kills the child at the end of the test if it is still running (the context's hook: tests run concurrently). */
async function get(url: string): Promise<{ status: number; contentType: string | null; body: unknown }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get("content-type"), body: JSON.parse(text) };
}

describe.concurrent("gateway start", () => {
  it("serves /healthz, answers 404 JSON for unknown paths and exits 0 on SIGTERM", async ({ cli: { box } }) => {
    const port = await freePort();
    const running = box.spawn(["start"], { PORT: String(port), HOST: "127.0.0.1" });
    const base = `http://127.0.0.1:${port}`;
    const health = await waitFor(async () => {
      // With LOG_LEVEL=silent, anything on stderr is a failure to start (the child may not exit: see the next test).
      const { stderr } = running.output();
      const { exitCode, signalCode } = running.child;
      if (exitCode !== null || signalCode !== null || stderr !== "") {
        throw new Error(`gateway start failed (exit ${exitCode ?? signalCode}): ${stderr}`);
      }
      // 503 while starting: health is 200 only once everything accepts.
      const answer = await get(`${base}/healthz`).catch(() => undefined);
      return answer?.status === 200 ? answer : undefined;
    }, "GET /healthz 200");
    expect(health.status).toBe(200);
    expect(health.contentType).toContain("application/json");
    expect(health.body).toMatchObject({ ok: true, channels: {} });

    // /healthz answers while the gateway starts; other paths answer 503 until it is ready, then 404.
    const missing = await waitFor(async () => {
      const answer = await get(`${base}/no/such/path`);
      if (answer.status === 503) return undefined;
      return answer;
    }, "an answer for an unknown path once started");
    expect(missing.status).toBe(404);
    expect(missing.contentType).toContain("application/json");
    expect(missing.body).toEqual({ error: "not found" });

    expect(running.child.kill("SIGTERM")).toBe(true);
    const exit = await running.tracked.waitForExit("gateway start, after SIGTERM,");
    expect(exit.signal).toBeNull();
    expect(exit.code).toBe(0);
    expect(exit.stderr).not.toContain("    at ");
    await expect(fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
    expect(existsSync(box.db)).toBe(true);
  });

  it("fails with one line when the port is taken", async ({ cli: { box } }) => {
    const port = await freePort();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", resolve));
    try {
      const result = await box.run(["start"], { PORT: String(port), HOST: "127.0.0.1" });
      expect(result.code).toBe(1);
      expect(lines(result.stderr)).toHaveLength(1);
      expect(result.stderr).toMatch(/^error: .*EADDRINUSE/);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

describe.concurrent("gateway doctor", () => {
  it("reports ok against the fake and shows secrets only as set", async ({ cli: { fake, box } }) => {
    const result = await box.run(["doctor"], { OPENAI_API_KEY: "sk-secret-123", PORT: "0" });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const out = lines(result.stdout);
    for (const check of ["config", "experts", "database", "model endpoint"]) {
      expect(out).toContainEqual(expect.stringMatching(new RegExp(`^ok\\s+${check}: `)));
    }
    expect(result.stdout).not.toContain("FAIL");
    expect(result.stdout).toContain(`${fake.url} answered with 1 models, fake-model listed`);
    expect(result.stdout).toContain("OPENAI_API_KEY set");
    expect(result.stdout + result.stderr).not.toContain("sk-secret-123");
    expect(result.stdout).toContain("default (fake-model)");
  });

  it("fails and names the model endpoint when it cannot be reached", async ({ cli: { box } }) => {
    // The discard port: nothing listens there on a test machine, whereas a port that was free a
    // moment ago may be taken by any other test process by the time doctor connects.
    const closed = "http://127.0.0.1:9/v1";
    const result = await box.run(["doctor"], { OPENAI_BASE_URL: closed, OPENAI_API_KEY: "sk-secret-123", PORT: "0" });
    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(lines(result.stdout)).toContainEqual(expect.stringMatching(/^FAIL\s+model endpoint: /));
    const failure = lines(result.stdout).find((line) => line.startsWith("FAIL"));
    expect(failure).toContain(closed);
    expect(failure).toContain("could not be reached");
    expect(lines(result.stdout)).toContainEqual(expect.stringMatching(/^ok\s+config: /));
    expect(result.stdout + result.stderr).not.toContain("sk-secret-123");
    expect(result.stderr).not.toContain("    at ");
  });

  it("reports a configuration error as a failed check", async ({ cli: { box } }) => {
    const result = await box.run(["doctor"], { PORT: "abc" });
    expect(result.code).toBe(1);
    expect(lines(result.stdout)).toEqual([expect.stringMatching(/^FAIL\s+config: PORT: /)]);
  });
});

describe.concurrent("gateway migrate", () => {
  it("applies 001-init to a fresh database, then says it is up to date", async ({ cli: { box } }) => {
    expect(existsSync(box.db)).toBe(false);
    const first = await box.run(["migrate"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/applied 001-init/);
    expect(first.stdout).toContain(box.db);
    expect(existsSync(box.db)).toBe(true);

    const second = await box.run(["migrate"]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/up to date/);
    expect(second.stdout).not.toContain("applied");
  });
});
