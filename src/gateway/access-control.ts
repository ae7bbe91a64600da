import type { AllowList } from "../config/file-schema.js";
import type { Store } from "../store/store.js";
import type { InboundMessage } from "./channel.js";

export interface AccessPolicy {
  /** `GATEWAY_ALLOW` or `access.allow`: principals such as `telegram:12345`, or `*`. */
  allow: readonly string[];
  /** `access.admins`: may run every command anywhere. */
  admins: readonly string[];
  /** Per-channel allow lists from the YAML. */
  channels: Readonly<Record<string, AllowList | undefined>>;
}

/** `telegram:12345`: who sent a message, as allow lists and admins name them. */
export function principalOf(message: Pick<InboundMessage, "channel" | "sender">): string {
  return `${message.channel}:${message.sender.id}`;
}

/**
 * Decides who may talk to the bot. A message is admitted when its sender OR
 * its chat (or Slack team) is on any list: the YAML, `GATEWAY_ALLOW`, or the
 * grants made with `gateway access allow`, which are read from the database
 * on every message so they apply while the gateway runs.
 */
export class AccessControl {
  readonly #policy: AccessPolicy;
  readonly #store: Store;

  constructor(policy: AccessPolicy, store: Store) {
    this.#policy = policy;
    this.#store = store;
  }

  get everyone(): boolean {
    return this.#policy.allow.includes("*");
  }

  isAdmin(principal: string): boolean {
    return this.#policy.admins.includes(principal);
  }

  async admits(message: InboundMessage): Promise<boolean> {
    if (this.everyone) return true;
    const principal = principalOf(message);
    if (this.isAdmin(principal)) return true;
    const principals = [
      principal,
      ...(message.chat ? [`${message.channel}:${message.chat.id}`] : []),
      ...(message.chat?.teamId ? [`${message.channel}:${message.chat.teamId}`] : []),
    ];
    if (principals.some((p) => this.#policy.allow.includes(p))) return true;
    const list = this.#policy.channels[message.channel];
    if (list) {
      const chat = message.chat;
      if (list.users.includes(message.sender.id)) return true;
      if (chat && (list.chats.includes(chat.id) || list.channels.includes(chat.id))) return true;
      if (chat?.teamId && list.teams.includes(chat.teamId)) return true;
    }
    return this.#store.access.anyGranted(principals);
  }
}

/** The reply an unknown sender gets: their id and the exact command that admits them (or, in a group, everyone there). */
export function admissionNotice(principal: string, group?: string): string {
  return [
    "Sorry, you are not on this bot's allow list yet.",
    `Your id is ${principal}. The operator can admit you with:`,
    `gateway access allow ${principal}`,
    ...(group ? [`or everyone in this chat with:`, `gateway access allow ${group}`] : []),
  ].join("\n");
}
