import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { GatewayError } from "../errors.js";
import type { Logger } from "../logger.js";

/** A request with its body already read (raw bytes, as signature checks need them). */
export interface HttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer | object;
}

export type RouteHandler = (request: HttpRequest) => Promise<HttpResponse> | HttpResponse;

/** An error that becomes this HTTP status with a short JSON message. */
export class HttpError extends GatewayError {
  readonly status: number;

  constructor(status: number, message: string) {
    super(`HTTP_${status}`, message);
    this.status = status;
  }
}

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * The gateway's one HTTP listener. Channels and triggers mount routes on it;
 * it enforces the body limit (413), turns thrown errors into short JSON
 * answers and never shows a stack trace.
 */
export class HttpServer {
  readonly #routes = new Map<string, { handler: RouteHandler; bodyLimit: number; beforeReady: boolean }>();
  #ready = false;
  readonly #server: Server;
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        this.#logger.error({ err: error }, "http handler crashed");
        if (!res.headersSent) send(res, { status: 500, body: { error: "internal error" } });
        else res.destroy();
      });
    });
    this.#server.keepAliveTimeout = 65_000;
    this.#server.headersTimeout = 66_000;
    this.#server.requestTimeout = 30_000;
  }

  /** `beforeReady` routes (health) answer while the gateway starts; the others get 503 until {@link ready}. */
  route(
    method: string,
    path: string,
    handler: RouteHandler,
    options: { bodyLimit?: number; beforeReady?: boolean } = {},
  ): void {
    this.#routes.set(`${method.toUpperCase()} ${path}`, {
      handler,
      bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
      beforeReady: options.beforeReady ?? false,
    });
  }

  /** Everything is wired: routes answer from now on. */
  ready(): void {
    this.#ready = true;
  }

  /** Whether {@link ready} was called: before it, only `beforeReady` routes answer. */
  get isReady(): boolean {
    return this.#ready;
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, host, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    return this.#server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    if (!this.#server.listening) return;
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeIdleConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = (req.method ?? "GET").toUpperCase();
    const route = this.#routes.get(`${method} ${url.pathname}`);
    if (!route) {
      const allowed = [...this.#routes.keys()].some((key) => key.endsWith(` ${url.pathname}`));
      req.resume();
      send(
        res,
        allowed
          ? { status: 405, body: { error: "method not allowed" } }
          : { status: 404, body: { error: "not found" } },
      );
      return;
    }
    if (!this.#ready && !route.beforeReady) {
      req.resume();
      send(res, { status: 503, headers: { "retry-after": "1" }, body: { error: "starting; try again" } });
      return;
    }
    const body = await readBody(req, route.bodyLimit);
    if (body === "too-large") {
      send(res, { status: 413, body: { error: `body larger than ${route.bodyLimit} bytes` } }, true);
      return;
    }
    let response: HttpResponse;
    try {
      response = await route.handler({
        method,
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      });
    } catch (error) {
      if (error instanceof HttpError) {
        response = { status: error.status, body: { error: error.message } };
      } else {
        this.#logger.error({ err: error, path: url.pathname }, "route failed");
        response = { status: 500, body: { error: "internal error" } };
      }
    }
    send(res, response);
  }
}

/** Parses a JSON body or throws a 400. */
export function parseJson(request: HttpRequest): unknown {
  try {
    return JSON.parse(request.body.toString("utf8"));
  } catch {
    throw new HttpError(400, "malformed JSON body");
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too-large"> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) {
    req.resume();
    return Promise.resolve("too-large");
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(over ? "too-large" : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, response: HttpResponse, closeAfter = false): void {
  const { status, headers = {}, body } = response;
  let payload: string | Buffer = "";
  const outHeaders: Record<string, string> = { ...headers };
  if (Buffer.isBuffer(body) || typeof body === "string") payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    outHeaders["content-type"] ??= "application/json; charset=utf-8";
  }
  if (closeAfter) outHeaders.connection = "close";
  res.writeHead(status, { ...outHeaders, "content-length": String(Buffer.byteLength(payload)) });
  res.end(payload);
}
