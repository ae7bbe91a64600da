import type { MemoryReader } from "../store/memory-repository.js";
import type { Store } from "../store/store.js";
import { memoryLine } from "./memory-tools.js";
import { countTokens } from "./token-counter.js";

const heading = [
  "Long-term memories of this workspace and this user (id · type · note). Use them when they apply;",
  "memory_search finds more, memory_save adds one or corrects one by its id.",
  "When someone asks you to remember something, save it with memory_save.",
].join(" ");

const emptyHeading =
  "You have long-term memory: when someone asks you to remember something, or states a lasting fact, convention, preference or decision, save it with memory_save; memory_search finds saved ones.";

/**
 * The memories a reader may see, newest first, as a block for the system
 * message, within `budgetTokens` (what does not fit is still found by memory_search).
 */
export async function memoryPrompt(store: Store, reader: MemoryReader, budgetTokens: number): Promise<string> {
  const memories = await store.memories.readableBy(reader);
  if (memories.length === 0) return emptyHeading;
  let used = countTokens(heading);
  const lines: string[] = [];
  for (const memory of memories) {
    const line = `- ${memoryLine(memory)}`;
    const cost = countTokens(line) + 1;
    if (used + cost > budgetTokens) break;
    used += cost;
    lines.push(line);
  }
  if (lines.length === 0) return emptyHeading;
  const more = memories.length > lines.length ? [`(${memories.length - lines.length} older ones: memory_search)`] : [];
  return [heading, ...lines, ...more].join("\n");
}
