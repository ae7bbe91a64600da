import { redactSecrets } from "./secrets/secret-registry.js";

/**
 * The one error hierarchy of chat-gateway. Every error has a stable `code` that
 * tests and operators can match on; `message` is short enough to show a user,
 * the `cause` carries the detail for the log.
 */
export class GatewayError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A setting is missing or invalid; the message names the variable or YAML path. */
export class ConfigError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CONFIG_INVALID", message, options);
  }
}

/** The database could not be opened, migrated or written. */
export class StoreError extends GatewayError {}

/**
 * The schema cannot be brought to this gateway's migrations: the database records a migration
 * this gateway has no file for (`STORE_TOO_NEW`: a newer gateway migrated it), or a migration
 * failed and was rolled back (`STORE_MIGRATION`).
 */
export class MigrationError extends StoreError {
  constructor(code: "STORE_TOO_NEW" | "STORE_MIGRATION", message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A session, trigger or other named thing does not exist (or is ambiguous). */
export class NotFoundError extends GatewayError {
  constructor(message: string) {
    super("NOT_FOUND", message);
  }
}

/** The user gave a command or argument we cannot act on. */
export class UsageError extends GatewayError {
  constructor(message: string) {
    super("USAGE", message);
  }
}

/** The model endpoint failed: HTTP error, network failure, timeout or a broken stream. */
export class ModelError extends GatewayError {
  /** HTTP status, when the endpoint answered. */
  readonly status: number | undefined;
  /** Worth another try: 429, 5xx, network failures. */
  readonly retryable: boolean;
  /** How long the endpoint asked us to wait (from `Retry-After`). */
  readonly retryAfterMs: number | undefined;
  /** The model's context window, when a "context length exceeded" answer named it. */
  readonly contextTokens: number | undefined;

  constructor(
    code: "MODEL_HTTP" | "MODEL_CONTEXT_LENGTH" | "MODEL_NETWORK" | "MODEL_TIMEOUT" | "MODEL_STREAM" | "MODEL_ABORTED",
    message: string,
    details: {
      status?: number;
      retryable?: boolean;
      retryAfterMs?: number;
      contextTokens?: number;
      cause?: unknown;
    } = {},
  ) {
    super(code, message, { cause: details.cause });
    this.status = details.status;
    this.retryable = details.retryable ?? false;
    this.retryAfterMs = details.retryAfterMs;
    this.contextTokens = details.contextTokens;
  }
}

/** A daily or monthly budget is spent: the turn is refused until the period ends. */
export class BudgetError extends GatewayError {
  constructor(message: string) {
    super("BUDGET_SPENT", message);
  }
}

/**
 * A short, user-safe description of any thrown value, with every configured
 * secret removed: the one way an error becomes text that people see or that is stored.
 */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return redactSecrets(text);
}
