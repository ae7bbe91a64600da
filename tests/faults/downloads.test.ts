import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../crash/child-gateway.js";
import type { ChatRequestBody } from "../fakes/fake-openai.js";
import { postWebhookUpdate } from "../fakes/fake-telegram.js";
import { eventCallback, messageEvent, postSigned } from "../slack/slack-world.js";
import { PlatformWorld, WEBHOOK_SECRET } from "./platform-world.js";

let world: PlatformWorld | undefined;
let elsewhere: ReturnType<typeof createServer> | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
  const server = elsewhere;
  elsewhere = undefined;
  server?.closeAllConnections();
  if (server) await new Promise((resolve) => server.close(resolve));
});

const MB = 1024 * 1024;

/**
 * Serves `total` bytes in 64 KB writes, honouring back-pressure, without a Content-Length, and
 * records how many the socket took before the client went away.
 */
function lyingStream(total: number, record: (written: number) => void) {
  return (_: string, res: ServerResponse) => {
    res.writeHead(200, { "content-type": "text/plain" });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let written = 0;
    res.on("close", () => record(written));
    const pump = () => {
      while (written < total && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) {
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    pump();
  };
}

/** Everything the model was sent in the request that carries `marker` (attachments and notices included). */
function promptWith(requests: ChatRequestBody[], marker: string): string | undefined {
  return requests.map((request) => JSON.stringify(request.messages)).find((text) => text.includes(marker));
}

/** Telegram notices about files go to the chat, not to the model. */
function sentTo(target: PlatformWorld | undefined, pattern: RegExp): boolean {
  return (target?.telegram.callsOf("sendMessage") ?? []).some((params) => pattern.test(String(params.text)));
}

/** Posts until the channel is up (503 means "not stored, try again", so resending is safe). */
async function deliver(post: () => Promise<{ status: number }>): Promise<void> {
  await waitFor(async () => (await post()).status === 200, "the platform route to take the message");
}

/** A second host that must never be asked for anything. */
async function hostElsewhere(): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  elsewhere = createServer((req, res) => {
    hits.push(req.url ?? "");
    res.end("x".repeat(1000));
  });
  await new Promise<void>((resolve) => elsewhere?.listen(0, "127.0.0.2", resolve));
  return { url: `http://127.0.0.2:${(elsewhere.address() as AddressInfo).port}`, hits };
}

describe("file downloads", () => {
  it("Telegram: a file that getFile calls 100 bytes but that streams 50 MB is cut past 4 MB", async () => {
    world = await PlatformWorld.create();
    const life = await world.start();
    const taken: number[] = [];
    world.telegram.serveFile = lyingStream(50 * MB, (written) => taken.push(written));
    const update = world.telegram.document({ bytes: Buffer.from("small"), fileSize: 100, fileName: "big.txt" });
    const message = update.message as { caption?: string };
    message.caption = "tg-lying-file";
    await deliver(() => postWebhookUpdate(`${life.url}/telegram/webhook`, update, WEBHOOK_SECRET));
    await waitFor(() => promptWith(world?.base.model.requests ?? [], "tg-lying-file"), "the model request");
    await waitFor(() => sentTo(world, /big\.txt: skipped, files over 4 MB are not read/), "the skip notice");
    const [written = Number.NaN] = await waitFor(() => taken.length > 0 && taken, "the download to end");
    // Socket buffers take a few MB more than the client read; 50 MB would mean it read everything.
    expect(written).toBeLessThan(20 * MB);
  });

  it("Telegram: a file download redirected to another host is not followed", async () => {
    world = await PlatformWorld.create();
    const life = await world.start();
    const other = await hostElsewhere();
    world.telegram.serveFile = (_, res) => res.writeHead(302, { location: `${other.url}/stolen` }).end();
    const update = world.telegram.document({ bytes: Buffer.from("small"), fileName: "moved.txt" });
    (update.message as { caption?: string }).caption = "tg-redirect";
    await deliver(() => postWebhookUpdate(`${life.url}/telegram/webhook`, update, WEBHOOK_SECRET));
    await waitFor(() => promptWith(world?.base.model.requests ?? [], "tg-redirect"), "the model request");
    await waitFor(() => sentTo(world, /moved\.txt: could not be downloaded/), "the failure notice");
    expect(other.hits).toEqual([]);
  });

  it("Slack: a url_private whose event says 10 bytes but that streams 50 MB is cut, and a redirect off Slack is not followed", async () => {
    world = await PlatformWorld.create();
    const life = await world.start();
    const other = await hostElsewhere();
    const taken: number[] = [];
    const big = lyingStream(50 * MB, (written) => taken.push(written));
    world.slack.serveFile = (id, res) => {
      if (id === "F2") res.writeHead(302, { location: `${other.url}/stolen` }).end();
      else big(id, res);
    };
    const file = (id: string, name: string) => ({
      id,
      name,
      mimetype: "text/plain",
      size: 10,
      url_private: world?.slack.addFile(id, Buffer.from("0123456789")),
    });
    const files = [file("F1", "huge.log"), file("F2", "moved.txt")];
    const event = messageEvent({
      channel: "D9",
      dm: true,
      text: "slack-lying-files",
      ts: "1700009100.000100",
      extra: { subtype: "file_share", files },
    });
    await deliver(() => postSigned(life.port, JSON.stringify(eventCallback(event))));
    const prompt = await waitFor(
      () => promptWith(world?.base.model.requests ?? [], "slack-lying-files"),
      "the model request",
      60_000,
    );
    expect(prompt).toMatch(/file huge\.log skipped: larger than 4 MB/);
    expect(prompt).toMatch(/file moved\.txt could not be downloaded/);
    const [written = Number.NaN] = await waitFor(() => taken.length > 0 && taken, "the download to end");
    expect(written).toBeLessThan(20 * MB);
    expect(other.hits).toEqual([]);
  });
});
