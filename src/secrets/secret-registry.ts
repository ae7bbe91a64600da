/** What stands in for a secret wherever it would have been shown. */
export const REDACTED = "[redacted]";

/**
 * Values shorter than this are not registered: replacing every "abc" in every
 * log line would garble the logs while protecting nothing a guess would not find.
 */
const MIN_SECRET_LENGTH = 4;

/**
 * Every secret this process knows (tokens, API keys, signing and webhook
 * secrets, and whatever a later source such as an MCP server's headers adds),
 * and the one function that removes them from a text. Matching is on the
 * values themselves, not on field names, so a token inside a URL, an error
 * message or a stack trace goes too.
 */
export class SecretRegistry {
  readonly #values = new Set<string>();
  #pattern: RegExp | undefined;

  /** Adds a secret; undefined, empty and very short values are ignored. Returns the registry for chaining. */
  add(value: string | undefined): this {
    if (value === undefined || value.length < MIN_SECRET_LENGTH || this.#values.has(value)) return this;
    this.#values.add(value);
    this.#pattern = undefined;
    return this;
  }

  /** How many secrets are registered (for diagnostics and tests). */
  get size(): number {
    return this.#values.size;
  }

  /** The text with every registered secret replaced by {@link REDACTED}, also URL-encoded or JSON-escaped. */
  redact(text: string): string {
    if (this.#values.size === 0) return text;
    this.#pattern ??= patternOf(this.#values);
    return text.replace(this.#pattern, REDACTED);
  }
}

/** One alternation of every form a secret takes in a text, longest first so no prefix wins over the whole. */
function patternOf(values: ReadonlySet<string>): RegExp {
  const forms = new Set<string>();
  for (const value of values) {
    forms.add(value);
    forms.add(encodeURIComponent(value));
    forms.add(JSON.stringify(value).slice(1, -1));
    forms.add(JSON.stringify(JSON.stringify(value)).slice(3, -3));
  }
  const alternatives = [...forms]
    .filter((form) => form.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length)
    .map((form) => form.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(alternatives.join("|"), "g");
}

/** The process's registry: configuration loading fills it, logs and error texts read it. */
export const secrets = new SecretRegistry();

/** {@link SecretRegistry.redact} on the process's registry. */
export function redactSecrets(text: string): string {
  return secrets.redact(text);
}
