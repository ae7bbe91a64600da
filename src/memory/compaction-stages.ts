import type { ChatMessage } from "../agent/messages.js";
import { type ContextUnit, recount } from "./context-units.js";
import { countTokens } from "./token-counter.js";

/**
 * The stages of compaction that only change what is sent this time (the
 * transcript stays as it is). Each works on the units in place and returns
 * whether it changed anything; the compactor stops as soon as history fits.
 */

type ToolMessage = Extract<ChatMessage, { role: "tool" }>;

function toolMessages(unit: ContextUnit): ToolMessage[] {
  return unit.messages.filter((message): message is ToolMessage => message.role === "tool");
}

/** Stage 1: a tool output longer than `maxTokens` keeps its head and tail, with a note of what was cut. */
export function truncateToolOutputs(units: ContextUnit[], maxTokens: number): boolean {
  let changed = false;
  for (const unit of units) {
    let touched = false;
    for (const message of toolMessages(unit)) {
      const tokens = countTokens(message.content);
      if (tokens <= maxTokens) continue;
      // About four characters a token: keep two thirds of the room at the head, one third at the tail.
      const room = maxTokens * 4;
      const head = message.content.slice(0, Math.floor((room * 2) / 3));
      const tail = message.content.slice(-Math.floor(room / 3));
      message.content = `${head}\n[… ${tokens - maxTokens} tokens of this tool output cut to save context …]\n${tail}`;
      touched = true;
    }
    if (touched) {
      recount(unit);
      changed = true;
    }
  }
  return changed;
}

/** Stage 2: of tool results with the same call and the same output, only the newest is kept in full. */
export function dropDuplicateToolResults(units: ContextUnit[]): boolean {
  const seen = new Set<string>();
  let changed = false;
  for (const unit of [...units].reverse()) {
    const calls = new Map(
      unit.messages
        .flatMap((message) => (message.role === "assistant" ? (message.toolCalls ?? []) : []))
        .map((call) => [call.id, call]),
    );
    let touched = false;
    for (const message of toolMessages(unit).reverse()) {
      const call = calls.get(message.toolCallId);
      const key = JSON.stringify([call?.name, call?.arguments, message.content]);
      if (!seen.has(key)) {
        seen.add(key);
        continue;
      }
      message.content = "[the same result as a later call of this tool; see there]";
      touched = true;
    }
    if (touched) {
      recount(unit);
      changed = true;
    }
  }
  return changed;
}

const pruned = "[an older tool result, left out to save context]";

/**
 * Stage 3: older tool results are replaced by a short note, failed ones first,
 * then oldest first, until `fits()`; the units from `protectFrom` on keep theirs.
 */
export function pruneToolResults(units: ContextUnit[], protectFrom: number, fits: () => boolean): boolean {
  const older = units.slice(0, protectFrom);
  const candidates = older.flatMap((unit) =>
    toolMessages(unit)
      .filter((message) => message.content !== pruned)
      .map((message) => ({ unit, message })),
  );
  const failedFirst = [
    ...candidates.filter((c) => c.message.content.startsWith("error:")),
    ...candidates.filter((c) => !c.message.content.startsWith("error:")),
  ];
  let changed = false;
  for (const { unit, message } of failedFirst) {
    if (fits()) break;
    message.content = pruned;
    recount(unit);
    changed = true;
  }
  return changed;
}

/** Stage 5, the last resort: the oldest units are left out until `fits()`; the last one always stays. */
export function trimOldest(units: ContextUnit[], fits: () => boolean): number {
  let removed = 0;
  while (units.length > 1 && !fits()) {
    units.shift();
    removed++;
  }
  // A history should start where a conversation can: at a user message, not mid-step.
  while (units.length > 1 && !units[0]?.user && removed > 0) {
    units.shift();
    removed++;
  }
  return removed;
}
