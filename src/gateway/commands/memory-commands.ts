import { memoryScope } from "../../memory/memory-scope.js";
import { memoryLine } from "../../memory/memory-tools.js";
import type { CommandContext } from "./command-context.js";

/** The workspace and user whose memories the person in this conversation sees. */
function readerOf(context: CommandContext) {
  const { message, viewer } = context;
  return { scope: memoryScope(message), userId: viewer.principal };
}

/** `memories`: the notes of this workspace and the asker's own, with ids and types. */
export async function listMemories(context: CommandContext): Promise<string> {
  const memories = await context.store.memories.readableBy(readerOf(context), 30);
  if (memories.length === 0) {
    return 'Nothing remembered here yet. Ask me to remember something, e.g. "remember that we deploy on Tuesdays".';
  }
  return [`Memories (${context.prefix}forget ID deletes one):`, ...memories.map(memoryLine)].join("\n");
}

/**
 * `forget ID`: deletes a note of this workspace or one of the asker's own. In
 * group chats a workspace note is for admins and the person who saved it.
 */
export async function forget(context: CommandContext, id: string): Promise<string> {
  if (!id) return `Usage: ${context.prefix}forget ID (see ${context.prefix}memories)`;
  const { viewer, message } = context;
  const reader = readerOf(context);
  const memory = await context.store.memories.get(id);
  const visible = memory && (memory.type === "user" ? memory.userId === reader.userId : memory.scope === reader.scope);
  if (!memory || !visible) return `No memory "${id}" here.`;
  const allowed = memory.type === "user" || !message.chat?.group || viewer.admin || memory.userId === viewer.principal;
  if (!allowed) return "Only admins and the person who saved it can delete this memory here.";
  await context.store.memories.delete(memory.id);
  return `Forgot ${memory.id}: ${memory.content.length > 80 ? `${memory.content.slice(0, 79)}…` : memory.content}`;
}
