import { writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PlatformWorld, WEBHOOK_SECRET } from "./platform-world.js";

let world: PlatformWorld | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

const FIVE_MB = 5 * 1024 * 1024;

/**
 * Posts `bytes` in 64 KB writes with `node:http` (no client-side buffering tricks) and reports what
 * came back: the status and body the client could read, or the socket error it got instead.
 */
function postBig(
  url: string,
  bytes: number,
  headers: Record<string, string>,
  chunked: boolean,
): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = request(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(chunked ? {} : { "content-length": String(bytes) }),
        ...headers,
      },
    });
    let settled = false;
    const settle = (outcome: { status: number; body: string } | { error: string }) => {
      if (!settled) resolve(outcome);
      settled = true;
    };
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => settle({ status: res.statusCode ?? 0, body }));
      res.on("error", (error: NodeJS.ErrnoException) => settle({ error: error.code ?? error.message }));
    });
    req.on("error", (error: NodeJS.ErrnoException) => settle({ error: error.code ?? error.message }));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let left = bytes;
    const pump = () => {
      while (left > 0) {
        const size = Math.min(left, chunk.length);
        left -= size;
        if (!req.write(chunk.subarray(0, size))) {
          req.once("drain", pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

describe("oversized bodies", () => {
  it("get a 413 the client can read on every route, with or without a Content-Length", async () => {
    world = await PlatformWorld.create();
    const config = join(world.base.sandbox.dir, "gateway.yml");
    writeFileSync(
      config,
      [
        "triggers:",
        "  - name: deploy",
        "    prompt: hi",
        "    webhook: {secret_env: DEPLOY_HOOK_SECRET}",
        "    destination: {loopback: {conversation: ops}}",
        "",
      ].join("\n"),
    );
    const life = await world.start({ GATEWAY_CONFIG: config, DEPLOY_HOOK_SECRET: "s3cret" });
    const routes: [string, Record<string, string>][] = [
      ["/slack/events", {}],
      ["/telegram/webhook", { "x-telegram-bot-api-secret-token": WEBHOOK_SECRET }],
      ["/loopback/messages", {}],
      ["/hooks/deploy", { authorization: "Bearer s3cret" }],
    ];
    for (const [path, headers] of routes) {
      for (const chunked of [false, true]) {
        const outcome = await postBig(`${life.url}${path}`, FIVE_MB, headers, chunked);
        expect({ path, chunked, outcome }).toMatchObject({ outcome: { status: 413 } });
        expect("body" in outcome ? outcome.body : "").toMatch(/body larger than/);
      }
    }
    // The gateway is fine afterwards.
    expect((await fetch(`${life.url}/healthz`)).status).toBe(200);
  });
});
