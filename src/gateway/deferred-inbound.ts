import type { Logger } from "../logger.js";
import type { Store } from "../store/store.js";
import type { InboundRow } from "../store/types.js";
import type { Attachment, ChannelAdapter, DeferredParts } from "./channel.js";

/** The longest a turn waits for its messages' downloads and look-ups before it answers without them. */
export const COMPLETE_TIMEOUT_MS = 120_000;

/**
 * Before a turn answers, its messages get what their channel deferred past the acknowledgement
 * (Slack files, names). Stored at once, so a resumed turn does not fetch again. When the turn is
 * stopped or the process shuts down meanwhile, nothing half-fetched is stored: the message stays
 * deferred for whoever answers it next. Returns the rows as completed.
 */
export async function completeDeferred(
  adapter: ChannelAdapter,
  store: Store,
  rows: readonly InboundRow[],
  signal: AbortSignal,
  logger: Logger,
): Promise<InboundRow[]> {
  const done: InboundRow[] = [];
  for (const row of rows) {
    if (row.deferred === null) {
      done.push(row);
      continue;
    }
    const stored: DeferredParts = { text: row.text, senderName: row.senderName, attachments: parse(row.attachments) };
    let parts = stored;
    try {
      parts = adapter.complete
        ? await adapter.complete(
            row.deferred,
            stored,
            AbortSignal.any([signal, AbortSignal.timeout(COMPLETE_TIMEOUT_MS)]),
          )
        : stored;
    } catch (error) {
      logger.warn({ err: error, inbound: row.id }, "could not fetch what a message deferred; answering without it");
    }
    if (signal.aborted) {
      done.push(row);
      continue;
    }
    const completion = {
      text: parts.text,
      senderName: parts.senderName,
      attachments: parts.attachments.length > 0 ? JSON.stringify(parts.attachments) : null,
    };
    await store.queue.complete(row.id, completion);
    done.push({ ...row, ...completion, deferred: null });
  }
  return done;
}

function parse(json: string | null): Attachment[] {
  if (!json) return [];
  const value = JSON.parse(json) as unknown;
  return Array.isArray(value) ? (value as Attachment[]) : [];
}
