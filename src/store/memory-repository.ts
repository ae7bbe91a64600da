export const memoryTypes = ["project", "user", "decision"] as const;
/** `project`: facts of a workspace; `user`: one person's preferences; `decision`: a choice and its reason. */
export type MemoryType = (typeof memoryTypes)[number];

/** A durable note with a stable id. */
export interface Memory {
  id: string;
  type: MemoryType;
  /** The workspace: `slack:T1`, `telegram:12345`, `cli`. */
  scope: string;
  /** Whose preference (`user`), else who saved it. */
  userId: string | null;
  expert: string | null;
  content: string;
  sourceSessionId: string | null;
  sourceMessageId: number | null;
  createdAt: number;
  updatedAt: number;
}

export type NewMemory = Omit<Memory, "id" | "createdAt" | "updatedAt">;

/**
 * What one person in one workspace may read (the visibility rule): the scope's project and decision
 * notes, and their own user notes, whatever scope those were saved in.
 */
export interface MemoryReader {
  scope: string;
  userId: string | null;
}

export interface MemoryHit {
  memory: Memory;
  snippet: string;
  /** Lower is better (a backend's relevance score, only comparable within one answer). */
  rank: number;
}

/** Typed long-term notes and their full-text index. */
export interface MemoryRepository {
  /** Stores a note under a fresh id. */
  create(input: NewMemory): Promise<Memory>;
  /** Replaces a note's text (and type, Expert, source); undefined when it does not exist. */
  update(
    id: string,
    change: Pick<Memory, "type" | "content" | "expert" | "sourceSessionId" | "sourceMessageId">,
  ): Promise<Memory | undefined>;
  get(id: string): Promise<Memory | undefined>;
  /** Every note, or those of one type; newest first. */
  list(filter?: { type?: MemoryType; limit?: number }): Promise<Memory[]>;
  /** The notes a reader may see, newest first (at most `limit`, 200 by default). */
  readableBy(reader: MemoryReader, limit?: number): Promise<Memory[]>;
  /**
   * Full-text search among the notes a reader may see, best first: a note that matches more of
   * the words ranks higher; any one word is enough to match.
   */
  search(reader: MemoryReader, text: string, options?: { type?: MemoryType; limit?: number }): Promise<MemoryHit[]>;
  /** False when there was no such note. */
  delete(id: string): Promise<boolean>;
}
