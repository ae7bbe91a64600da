import type { FileSink } from "../agent/file-sink.js";
import { type FileFolder, megabytes } from "../files/file-folder.js";
import type { Store } from "../store/store.js";
import type { NewOutbox } from "../store/types.js";

/**
 * Files a turn sends to its chat: the bytes go to the files folder, an outbox row points at them, and the
 * outbox uploads them like any reply — once, also when the process dies before the upload. The row is
 * written before the tool's result, so a stored result always means the file is on its way.
 */
export function outboxFileSink(
  files: FileFolder,
  store: Store,
  route: Omit<NewOutbox, "kind" | "text" | "file">,
  onQueued: () => void,
): FileSink {
  return async (file) => {
    const stored = files.save(file.name, file.mimeType, file.bytes);
    try {
      await store.outbox.enqueue({ ...route, kind: "notice", text: file.caption ?? "", file: stored });
    } catch (error) {
      files.remove(stored);
      throw error;
    }
    onQueued();
    return `${stored.name} (${file.mimeType}, ${megabytes(stored.size)}) is on its way to the user; it is delivered once.`;
  };
}
