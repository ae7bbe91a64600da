import { secrets } from "../secrets/secret-registry.js";

/** Markup that is already safe to send: built by {@link html} or {@link trusted}. */
export class Html {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  toString(): string {
    return this.text;
  }
}

type Interpolated = Html | string | number | null | undefined | false | readonly Interpolated[];

/**
 * The console's one way to write markup: every interpolated value is escaped, and every known
 * secret in it is replaced first, so no token, key or password can reach a page, whatever a
 * transcript, an error text or a title holds.
 */
export function html(strings: TemplateStringsArray, ...values: Interpolated[]): Html {
  let text = strings[0] ?? "";
  values.forEach((value, index) => {
    text += render(value) + (strings[index + 1] ?? "");
  });
  return new Html(text);
}

/** A constant of this module's own (CSS, a fixed attribute) that needs no escaping. */
export function trusted(text: string): Html {
  return new Html(text);
}

/** Escaped and redacted text with the search's `[match]` markers shown as highlights. */
export function highlighted(snippet: string): Html {
  return new Html(escapeHtml(secrets.redact(snippet)).replace(/\[([^[\]]*)\]/g, "<mark>$1</mark>"));
}

function render(value: Interpolated): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(secrets.redact(String(value)));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
