import { openStore } from "../src/store/sqlite/sqlite-store.js";

/**
 * A database holding `count` finished conversations (a session with a question and its answer each),
 * made through the store itself, as the gateway would have left them.
 */
export async function seedSessions(path: string, count: number): Promise<void> {
  const store = openStore(path);
  try {
    store.db.transaction(() => {
      for (let i = 0; i < count; i++) {
        const session = store.sessions.createSync({
          channel: "telegram",
          conversationKey: `telegram:${7_000_000_000 + i}`,
          expert: "default",
          origin: "chat",
        });
        store.transcript.appendSync(session.id, [
          { kind: "user", content: `seeded question ${i}` },
          { kind: "assistant", content: `seeded answer ${i}` },
        ]);
      }
    })();
  } finally {
    await store.close();
  }
}
