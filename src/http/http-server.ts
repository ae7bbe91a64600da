import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { GatewayError } from "../errors.js";
import type { Logger } from "../logger.js";

/** A request with its body already read (raw bytes, as signature checks need them). */
export interface HttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The peer's address (a proxy's, behind one), for per-client limits. */
  remoteAddress?: string;
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
  /** Connections reading a body nobody will use, after their answer: cut at once when the server closes. */
  readonly #draining = new Set<Socket>();
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
      for (const socket of this.#draining) socket.destroy();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = (req.method ?? "GET").toUpperCase();
    const route = this.#routes.get(`${method} ${url.pathname}`);
    if (!route && !this.#ready) {
      // A channel mounts its routes while the gateway starts: its path is not unknown, only not there yet.
      req.resume();
      send(res, { status: 503, headers: { "retry-after": "1" }, body: { error: "starting; try again" } });
      return;
    }
    if (!route) {
      const allowed = [...this.#routes.keys()].some((key) => key.endsWith(` ${url.pathname}`));
      this.#answerUnread(
        req,
        res,
        allowed
          ? { status: 405, body: { error: "method not allowed" } }
          : { status: 404, body: { error: "not found" } },
      );
      return;
    }
    if (!this.#ready && !route.beforeReady) {
      this.#answerUnread(req, res, {
        status: 503,
        headers: { "retry-after": "1" },
        body: { error: "starting; try again" },
      });
      return;
    }
    const body = await readBody(req, route.bodyLimit);
    if (body === "too-large") {
      this.#answerUnread(req, res, { status: 413, body: { error: `body larger than ${route.bodyLimit} bytes` } });
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
        ...(req.socket.remoteAddress ? { remoteAddress: req.socket.remoteAddress } : {}),
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

  /**
   * Answers (a 413, 404, 503) while the client may still be sending its body, then reads on and throws
   * away up to 16 MB or 10 s of it. Closing at once would cut the upload, and the client would see
   * EPIPE or a reset instead of the answer; reading on without a bound would let anyone hold the socket.
   * A body read to its end leaves the connection in step, so it stays open for the client's next request
   * (closing it then would race a client that reuses it); past the bound it is cut.
   */
  #answerUnread(req: IncomingMessage, res: ServerResponse, response: HttpResponse): void {
    // Not `connection: close`: Node would destroy the socket as soon as the answer is written.
    send(res, response);
    let drained = 0;
    const socket = req.socket;
    this.#draining.add(socket);
    const done = () => {
      clearTimeout(timer);
      req.off("data", count);
      this.#draining.delete(socket);
      // Shutting down: a connection that could stay open for reuse would hold the server's close.
      if (!this.#server.listening) socket.destroy();
    };
    const cut = () => {
      done();
      socket.destroy();
    };
    const count = (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > DRAIN_LIMIT_BYTES) cut();
    };
    const timer = setTimeout(cut, DRAIN_LIMIT_MS).unref();
    req.on("data", count);
    req.once("end", done);
    req.once("error", cut);
    req.resume();
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

/** The body, or "too-large" as soon as it is known to be (declared or counted); the rest is left unread. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | "too-large"> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) return Promise.resolve("too-large");
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off("data", onData).off("end", onEnd).off("error", reject);
      req.pause();
      resolve("too-large");
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on("data", onData).on("end", onEnd).on("error", reject);
  });
}

/** How much of an unread body is read after the answer, and for how long, before the connection is cut. */
export const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;
export const DRAIN_LIMIT_MS = 10_000;

function send(res: ServerResponse, response: HttpResponse): void {
  const { status, headers = {}, body } = response;
  let payload: string | Buffer = "";
  const outHeaders: Record<string, string> = { ...headers };
  if (Buffer.isBuffer(body) || typeof body === "string") payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    outHeaders["content-type"] ??= "application/json; charset=utf-8";
  }
  res.writeHead(status, { ...outHeaders, "content-length": String(Buffer.byteLength(payload)) });
  res.end(payload);
}
