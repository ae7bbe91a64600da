import type { TriggerSettings } from "../config/file-schema.js";

/** The value at a dotted path (`environment.name`, `items.0.id`) of a JSON value; undefined when absent. */
export function valueAt(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split(".")) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * Fills `{{payload.some.path}}` placeholders from the payload. Missing values
 * are empty; objects and arrays are written as JSON; `{{payload}}` is the whole body.
 */
export function renderPrompt(template: string, payload: unknown): string {
  return template.replace(/\{\{\s*payload((?:\.[^.\s}]+)*)\s*\}\}/g, (_, path: string) => {
    const value = path === "" ? payload : valueAt(payload, path.slice(1));
    if (value === undefined || value === null) return "";
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  });
}

type Filter = NonNullable<TriggerSettings["webhook"]>["filter"];

/** Whether every `path == value` condition holds for the body (no conditions: always). */
export function passesFilter(filter: Filter, body: unknown): boolean {
  return filter.every((condition) => valueAt(body, condition.path) === condition.equals);
}
