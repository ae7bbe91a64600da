/** Who we are in the workspace (from `auth.test`). */
export interface BotIdentity {
  userId: string;
  botId: string;
  teamId: string;
}

/** A file shared with a message, as the event describes it. */
export interface SlackFile {
  id: string;
  name: string;
  mimetype: string;
  size: number;
  urlPrivate: string | undefined;
}

/** A person's message, reduced to what routing needs. */
export interface SlackMessage {
  team: string;
  channel: string;
  ts: string;
  /** Set for replies in a thread (and for messages in an agent-view DM thread). */
  threadTs: string | undefined;
  user: string;
  /** Slack's text with our mention removed and Slack's markup turned back into plain text. */
  text: string;
  dm: boolean;
  mentioned: boolean;
  files: SlackFile[];
}

export type Classified = { kind: "message"; message: SlackMessage } | { kind: "ignore"; reason: string };

/** Message subtypes that are still someone writing to us; every other subtype is not a prompt. */
const PROMPT_SUBTYPES = new Set([undefined, "file_share", "thread_broadcast"]);

/**
 * Decides whether a `message` or `app_mention` event is a person writing: our own posts, other
 * apps' messages, edits (`message_changed`), deletions and joins are not.
 */
export function classifyEvent(event: Record<string, unknown>, bodyTeam: unknown, bot: BotIdentity): Classified {
  const type = event.type;
  if (type !== "message" && type !== "app_mention") return { kind: "ignore", reason: `event ${String(type)}` };
  const subtype = typeof event.subtype === "string" ? event.subtype : undefined;
  if (!PROMPT_SUBTYPES.has(subtype)) return { kind: "ignore", reason: `subtype ${subtype}` };
  if (event.bot_id !== undefined || event.bot_profile !== undefined)
    return { kind: "ignore", reason: "an app's message" };
  const user = str(event.user);
  const channel = str(event.channel);
  const ts = str(event.ts);
  if (!user || !channel || !ts) return { kind: "ignore", reason: "no user, channel or ts" };
  if (user === bot.userId) return { kind: "ignore", reason: "our own message" };
  const raw = str(event.text) ?? "";
  const mention = `<@${bot.userId}>`;
  const dm = event.channel_type === "im" || (event.channel_type === undefined && channel.startsWith("D"));
  return {
    kind: "message",
    message: {
      team: str(event.team) ?? str(bodyTeam) ?? bot.teamId,
      channel,
      ts,
      threadTs: str(event.thread_ts),
      user,
      text: plainText(raw.replaceAll(mention, " ")).trim(),
      dm,
      mentioned: type === "app_mention" || raw.includes(mention),
      files: filesOf(event.files),
    },
  };
}

/** Slack markup → what a person sees: `<@U1|ada>` → `@ada`, `<url|label>` → `label (url)`, entities decoded. */
export function plainText(text: string): string {
  return text
    .replace(/<([@#!])([^>|]+)(?:\|([^>]*))?>/g, (_, sigil: string, id: string, label?: string) =>
      sigil === "!" ? `@${label || id.split("^")[0]}` : `${sigil}${label || id}`,
    )
    .replace(/<([^>|]+)\|([^>]*)>/g, (_, url: string, label: string) => (label === url ? url : `${label} (${url})`))
    .replace(/<([^>]+)>/g, "$1")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&")
    .replace(/[ \t]{2,}/g, " ");
}

function filesOf(value: unknown): SlackFile[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((file: Record<string, unknown>) => {
    const id = str(file.id);
    if (!id) return [];
    return [
      {
        id,
        name: str(file.name) ?? id,
        mimetype: str(file.mimetype) ?? "application/octet-stream",
        size: typeof file.size === "number" ? file.size : 0,
        urlPrivate: str(file.url_private_download) ?? str(file.url_private),
      },
    ];
  });
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}
