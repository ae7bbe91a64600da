/** A file a tool hands to the conversation. */
export interface OutgoingFile {
  name: string;
  mimeType: string;
  bytes: Buffer;
  caption?: string;
}

/**
 * Where a turn's files go: the chat's outbox (uploaded once, also across restarts) or, in the CLI, a file
 * on disk. Returns what the model is told (where it went); throws when the file cannot be taken.
 */
export type FileSink = (file: OutgoingFile) => Promise<string>;

/** The first image an earlier tool call of the session returned, by that call's id. */
export type ToolImageLookup = (toolCallId: string) => Promise<{ mimeType: string; data: string } | undefined>;
