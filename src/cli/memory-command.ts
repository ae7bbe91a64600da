import { NotFoundError, UsageError } from "../errors.js";
import { memoryLine } from "../memory/memory-tools.js";
import { type Memory, memoryTypes } from "../store/memory-repository.js";
import type { Store } from "../store/store.js";
import { oneLine, printJson, printTable, shortDate } from "./output.js";

const iso = (ms: number) => new Date(ms).toISOString();

function memoryJson(memory: Memory) {
  return {
    id: memory.id,
    type: memory.type,
    scope: memory.scope,
    user_id: memory.userId,
    expert: memory.expert,
    content: memory.content,
    source_session_id: memory.sourceSessionId,
    source_message_id: memory.sourceMessageId,
    created_at: iso(memory.createdAt),
    updated_at: iso(memory.updatedAt),
  };
}

/** `memories list [--type T] [--json]`: every memory, newest first. */
export async function listMemories(store: Store, options: { type?: string; json?: boolean }): Promise<void> {
  const type = options.type;
  if (type !== undefined && !(memoryTypes as readonly string[]).includes(type)) {
    throw new UsageError(`--type must be one of ${memoryTypes.join(", ")} (got "${type}")`);
  }
  const memories = await store.memories.list(type ? { type: type as Memory["type"] } : {});
  if (options.json) {
    printJson(memories.map(memoryJson));
    return;
  }
  if (memories.length === 0) {
    process.stdout.write("no memories\n");
    return;
  }
  printTable([
    ["ID", "TYPE", "SCOPE", "USER", "UPDATED", "CONTENT"],
    ...memories.map((m) => [m.id, m.type, m.scope, m.userId ?? "", shortDate(m.updatedAt), oneLine(m.content, 80)]),
  ]);
}

/** `memories forget ID`. */
export async function forgetMemory(store: Store, id: string): Promise<void> {
  const memory = await store.memories.get(id);
  if (!memory || !(await store.memories.delete(id))) throw new NotFoundError(`no memory "${id}"`);
  process.stdout.write(`forgot ${memoryLine(memory)}\n`);
}
