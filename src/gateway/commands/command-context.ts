import type { QueueMode } from "../../config/file-schema.js";
import type { ExpertRegistry } from "../../experts/expert-registry.js";
import type { FitResult } from "../../memory/compactor.js";
import type { Store } from "../../store/store.js";
import type { OutboxButton, Session } from "../../store/types.js";
import type { InboundMessage } from "../channel.js";
import type { Viewer, Visibility } from "../visibility.js";

/** What a command may know and do. */
export interface CommandContext {
  store: Store;
  experts: ExpertRegistry;
  message: InboundMessage;
  viewer: Viewer;
  /** The one visibility rule: what `sessions` lists and `resume` takes here. */
  visibility: Visibility;
  /** How commands are written on this channel: `/` or `!`. */
  prefix: string;
  /** The conversation's current session, if it has one. */
  session: Session | undefined;
  /** Starts a fresh session for the conversation (optionally with an Expert). */
  newSession(expert?: string): Promise<Session>;
  modeOf(session: Session): QueueMode;
  /** Asks the process running the session's turn to stop it; false when none runs. */
  stop(sessionId: string): Promise<boolean>;
  /** Decides a tool approval request (`approve`, `deny`, `always`). */
  decide(name: "approve" | "deny" | "always", args: string): Promise<CommandReply>;
  /** Summarizes the oldest part of a session now; absent when compaction is not set up. */
  compact?(session: Session): Promise<FitResult>;
}

/** A command's answer; `buttons` offer the obvious next commands where the channel can show them. */
export interface CommandReply {
  text: string;
  buttons?: OutboxButton[];
  /** The sender may not do this here: told to them alone where the platform can (nothing ran). */
  forbidden?: boolean;
  /** The outcome shows elsewhere (an edited message): no reply is sent, except where asked inline. */
  silent?: boolean;
}
