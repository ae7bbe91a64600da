import { createHash, randomBytes } from "node:crypto";
import type { HttpRequest } from "../http/http-server.js";
import { sameSecret } from "../http/same-secret.js";
import type { Clock } from "../ids.js";
import type { ConsoleRepository, ConsoleSession } from "../store/console-repository.js";
import { cookie, cookiesOf } from "./form.js";

/** Who may sign in and how long a sign-in lasts (from the configuration). */
export interface ConsoleSettings {
  operators: readonly { name: string; token: string }[];
  secureCookie: boolean;
  sessionMs: number;
}

export const SESSION_COOKIE = "cg_console";
/** The sign-in form's own CSRF token (double-submit: cookie and field must match), before any session exists. */
export const SIGN_IN_COOKIE = "cg_signin";

/** Failed sign-ins a client may make in {@link SIGN_IN_WINDOW_MS} before it is refused without a check. */
export const MAX_FAILED_SIGN_INS = 5;
export const SIGN_IN_WINDOW_MS = 15 * 60_000;

export type SignInResult = { ok: true; operator: string; cookie: string } | { ok: false; reason: "limited" | "wrong" };

/**
 * Signing operators in and recognising them: a token from the configuration buys a random cookie
 * whose hash (never the cookie) is stored with the session, so a copy of the database lets no one
 * in. Failed attempts are counted in the store, so the limit holds across instances and restarts.
 */
export class ConsoleAuth {
  readonly #store: ConsoleRepository;
  readonly #settings: ConsoleSettings;
  readonly #clock: Clock;

  constructor(store: ConsoleRepository, settings: ConsoleSettings, clock: Clock) {
    this.#store = store;
    this.#settings = settings;
    this.#clock = clock;
  }

  /** Checks a token for a client (its address); a client over the limit is refused before its token is looked at. */
  async signIn(token: string, client: string): Promise<SignInResult> {
    const now = this.#clock();
    if ((await this.#store.failedSignIns(client, now - SIGN_IN_WINDOW_MS)) >= MAX_FAILED_SIGN_INS) {
      return { ok: false, reason: "limited" };
    }
    // Every operator is compared, so the time taken does not tell which one came close.
    const matches = this.#settings.operators.filter((operator) => sameSecret(token, operator.token));
    const operator = matches[0];
    await this.#store.recordSignIn(client, operator !== undefined);
    if (!operator) return { ok: false, reason: "wrong" };
    const value = randomBytes(32).toString("base64url");
    await this.#store.prune(now, now - SIGN_IN_WINDOW_MS);
    await this.#store.openSession({
      tokenHash: hashOf(value),
      operator: operator.name,
      csrf: randomBytes(24).toString("base64url"),
      createdAt: now,
      expiresAt: now + this.#settings.sessionMs,
    });
    return { ok: true, operator: operator.name, cookie: this.#cookie(SESSION_COOKIE, value, this.#settings.sessionMs) };
  }

  /** The signed-in session of a request's cookie, if it is one and has not expired. */
  async session(request: HttpRequest): Promise<ConsoleSession | undefined> {
    const value = cookiesOf(request).get(SESSION_COOKIE);
    if (!value) return undefined;
    return this.#store.findSession(hashOf(value), this.#clock());
  }

  /** Ends the request's session; returns the cookie that clears it in the browser. */
  async signOut(request: HttpRequest): Promise<string> {
    const value = cookiesOf(request).get(SESSION_COOKIE);
    if (value) await this.#store.closeSession(hashOf(value));
    return this.#cookie(SESSION_COOKIE, "", 0);
  }

  /** A fresh token for the sign-in form and the cookie it must match. */
  signInForm(): { csrf: string; cookie: string } {
    const csrf = randomBytes(24).toString("base64url");
    return { csrf, cookie: this.#cookie(SIGN_IN_COOKIE, csrf, 3600_000) };
  }

  /** Whether a posted sign-in form carries the token its cookie holds. */
  signInFormMatches(request: HttpRequest, csrf: string | null): boolean {
    const expected = cookiesOf(request).get(SIGN_IN_COOKIE);
    return expected !== undefined && csrf !== null && csrf !== "" && sameSecret(csrf, expected);
  }

  #cookie(name: string, value: string, maxAgeMs: number): string {
    return cookie(name, value, { maxAgeSeconds: maxAgeMs / 1000, secure: this.#settings.secureCookie });
  }
}

/** The stored form of a cookie: its SHA-256, hex. */
function hashOf(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}
