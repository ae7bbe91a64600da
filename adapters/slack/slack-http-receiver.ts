import type { App, Receiver } from "@slack/bolt";
import type { ChannelHost } from "../../src/gateway/channel.js";
import { HttpError, type HttpRequest, type HttpResponse } from "../../src/http/http-server.js";
import type { Clock } from "../../src/ids.js";
import type { Logger } from "../../src/logger.js";
import { SlackDelivery } from "./slack-delivery.js";
import { verifySlackSignature } from "./slack-signature.js";

export const EVENTS_PATH = "/slack/events";

/**
 * The Events API (events, slash commands, interactivity) at `POST /slack/events` on the gateway's own
 * HTTP server: no second port. Every request is verified on its raw bytes first; Slack gets its 200
 * only after the listeners have committed the message, and a 503 when it could not be stored.
 */
export class SlackHttpReceiver implements Receiver {
  readonly #signingSecret: string;
  readonly #route: ChannelHost["route"];
  readonly #clock: Clock;
  readonly #logger: Logger;
  #app: App | undefined;
  #running = false;

  constructor(options: { signingSecret: string; route: ChannelHost["route"]; clock: Clock; logger: Logger }) {
    this.#signingSecret = options.signingSecret;
    this.#route = options.route;
    this.#clock = options.clock;
    this.#logger = options.logger;
  }

  init(app: App): void {
    this.#app = app;
    this.#route("POST", EVENTS_PATH, (request) => this.#handle(request));
  }

  async start(): Promise<void> {
    this.#running = true;
  }

  async stop(): Promise<void> {
    this.#running = false;
  }

  async #handle(request: HttpRequest): Promise<HttpResponse> {
    const check = verifySlackSignature({
      signingSecret: this.#signingSecret,
      headers: request.headers,
      body: request.body,
      nowMs: this.#clock(),
    });
    if (!check.ok) {
      this.#logger.warn({ reason: check.reason }, "Slack request refused: bad signature");
      throw new HttpError(401, "invalid signature");
    }
    const body = parseBody(request);
    if (body.ssl_check !== undefined) return { status: 200 };
    if (body.type === "url_verification") return { status: 200, body: { challenge: String(body.challenge ?? "") } };
    if (!this.#running || !this.#app) throw new HttpError(503, "the Slack channel is stopped");
    const delivery = new SlackDelivery();
    const retryNum = Number(request.headers["x-slack-retry-num"] ?? Number.NaN);
    const retryReason = request.headers["x-slack-retry-reason"];
    await delivery.process(this.#app, body, {
      ...(Number.isInteger(retryNum) ? { num: retryNum } : {}),
      ...(typeof retryReason === "string" ? { reason: retryReason } : {}),
    });
    if (delivery.failed) throw new HttpError(503, "not stored; try again");
    const response = delivery.response;
    if (response === undefined || response === "") return { status: 200 };
    return { status: 200, body: typeof response === "string" ? { text: response } : (response as object) };
  }
}

/** JSON for events; form-encoded for slash commands, with a JSON `payload` field for interactivity. */
function parseBody(request: HttpRequest): Record<string, unknown> {
  const text = request.body.toString("utf8");
  const type = String(request.headers["content-type"] ?? "");
  try {
    if (type.includes("application/x-www-form-urlencoded")) {
      const form = Object.fromEntries(new URLSearchParams(text));
      return typeof form.payload === "string" ? asObject(JSON.parse(form.payload)) : form;
    }
    return asObject(JSON.parse(text));
  } catch {
    throw new HttpError(400, "malformed body");
  }
}

function asObject(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
  return value as Record<string, unknown>;
}
