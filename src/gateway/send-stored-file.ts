import { readFile } from "node:fs/promises";
import { megabytes } from "../files/file-folder.js";
import type { OutboxFile, OutboxRow } from "../store/types.js";
import type { ChannelAdapter } from "./channel.js";

/**
 * Uploads an outbox row's file, or, when the channel takes no files or not this large, sends a notice
 * saying so: the user learns a file was meant for them rather than nothing arriving. Returns the id of
 * what was sent.
 */
export async function sendStoredFile(adapter: ChannelAdapter, row: OutboxRow, file: OutboxFile): Promise<string> {
  const limit = adapter.limits.maxFileBytes;
  const notice = async (why: string) =>
    (
      await adapter.send({
        conversationKey: row.conversationKey,
        text: `(The file ${file.name} was not sent: ${why}.)`,
        outboxId: row.id,
      })
    ).messageId;
  if (!adapter.sendFile || limit === undefined) return notice(`this channel cannot receive files`);
  if (file.size > limit) {
    return notice(`it is ${megabytes(file.size)}, and ${adapter.name} takes files of at most ${megabytes(limit)}`);
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file.path);
  } catch {
    return notice("it is no longer stored");
  }
  const caption = row.text.trim();
  return (
    await adapter.sendFile({
      conversationKey: row.conversationKey,
      name: file.name,
      mimeType: file.mimeType,
      bytes,
      ...(caption ? { caption } : {}),
      ...(row.replyToMessageId ? { replyToMessageId: row.replyToMessageId } : {}),
    })
  ).messageId;
}
