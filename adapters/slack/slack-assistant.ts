import type { App, webApi } from "@slack/bolt";
import type { ChannelHost } from "../../src/gateway/channel.js";
import type { Logger } from "../../src/logger.js";
import { renderMrkdwn } from "./slack-format.js";
import { conversationKeyOf, isDirectChannel, targetOf } from "./slack-keys.js";

/** How many assistant threads' contexts and titles are remembered. */
const MAX_THREADS = 10_000;
/** Slack shows a thread title of about this length. */
const MAX_TITLE = 100;

/** `assistant_thread` of `assistant_thread_started` / `assistant_thread_context_changed`. */
interface AssistantThread {
  channel_id?: string;
  thread_ts?: string;
  context?: { channel_id?: string; team_id?: string };
}

/**
 * Slack's assistant threads (Agents & AI apps): each is a session. When one opens, its Expert greets
 * and Slack gets the Expert's suggested prompts; the channel the person is looking at (the thread's
 * context) is passed on to the model with their next message; the thread is titled after its
 * session. All of it is best effort: none of it holds up Slack's acknowledgement.
 */
export class SlackAssistant {
  readonly #client: webApi.WebClient;
  readonly #host: ChannelHost;
  readonly #logger: Logger;
  /** The channel each thread's person looks at, and whether the model has been told. */
  readonly #contexts = new Map<string, { channel: string; told: boolean }>();
  readonly #titles = new Map<string, string>();

  constructor(options: { client: webApi.WebClient; host: ChannelHost; logger: Logger }) {
    this.#client = options.client;
    this.#host = options.host;
    this.#logger = options.logger;
  }

  /** Listens to the agent view's events (`team` stands in for an event without one). */
  listen(app: App, team: string): void {
    const teamOf = (body: unknown) => {
      const id = (body as { team_id?: unknown }).team_id;
      return typeof id === "string" ? id : team;
    };
    app.event("assistant_thread_started", async ({ event, body }) => {
      this.started(event.assistant_thread, teamOf(body));
    });
    app.event("app_home_opened", async ({ event, body }) => {
      this.messagesOpened(event.channel, event.tab, teamOf(body));
    });
    app.event("assistant_thread_context_changed", async ({ event, body }) => {
      this.contextChanged(event.assistant_thread, teamOf(body));
    });
  }

  /**
   * `assistant_thread_started`: greet and offer the Expert's prompts, once per thread: also when
   * Slack delivers the event again, to this gateway or another on the database (the thread's key is
   * recorded there first; a greeting whose post then fails is not tried again).
   */
  started(thread: AssistantThread, team: string): void {
    const key = this.#keyOf(thread, team);
    if (!key || !thread.channel_id || !thread.thread_ts) return;
    this.#context(key, thread);
    const channel = thread.channel_id;
    const threadTs = thread.thread_ts;
    void (async () => {
      if (this.#host.firstTime && !(await this.#host.firstTime(`slack:greeting:${key}`))) return;
      const welcome = await this.#host.welcome(key, channel);
      await this.#client.chat.postMessage({
        channel,
        thread_ts: threadTs,
        text: renderMrkdwn(welcome.greeting),
        mrkdwn: true,
      });
      if (welcome.suggestedPrompts.length > 0) {
        await this.#client.assistant.threads.setSuggestedPrompts({
          channel_id: channel,
          thread_ts: threadTs,
          title: `Ask ${welcome.expert}`,
          prompts: welcome.suggestedPrompts.slice(0, 4),
        });
      }
    })().catch((error: unknown) => this.#logger.warn({ err: error }, "could not greet in a Slack assistant thread"));
  }

  /**
   * `app_home_opened` on the Messages tab: in the agent messaging experience (`agent_view`) this
   * replaces `assistant_thread_started`, and prompts are set for the DM, without a thread (Slack
   * drops a call with `thread_ts` there). No greeting: opening the tab is not a new conversation.
   */
  messagesOpened(channel: string, tab: string | undefined, team: string): void {
    if (tab !== "messages" || !isDirectChannel(channel)) return;
    const key = conversationKeyOf({ team, channel });
    void (async () => {
      const welcome = await this.#host.welcome(key, channel);
      if (welcome.suggestedPrompts.length === 0) return;
      // Through apiCall: the SDK's typed method insists on the thread_ts that agent apps must leave out.
      await this.#client.apiCall("assistant.threads.setSuggestedPrompts", {
        channel_id: channel,
        title: `Ask ${welcome.expert}`,
        prompts: welcome.suggestedPrompts.slice(0, 4),
      });
    })().catch((error: unknown) => this.#logger.warn({ err: error }, "could not set the DM's suggested prompts"));
  }

  /** `assistant_thread_context_changed`: the person looks at another channel now. */
  contextChanged(thread: AssistantThread, team: string): void {
    const key = this.#keyOf(thread, team);
    if (key) this.#context(key, thread);
  }

  /** A line telling the model where the person is looking, when that is new to it; undefined otherwise. */
  contextNote(conversationKey: string): string | undefined {
    const context = this.#contexts.get(conversationKey);
    if (!context || context.told) return undefined;
    return `(In Slack, this person is looking at the channel ${context.channel}.)`;
  }

  /** The note was stored with their message. */
  told(conversationKey: string): void {
    const context = this.#contexts.get(conversationKey);
    if (context) context.told = true;
  }

  /** Titles an assistant thread (a thread in a DM) after its session, when the title changed. */
  async showTitle(conversationKey: string, title: string): Promise<void> {
    const target = targetOf(conversationKey);
    if (!target.threadTs || !isDirectChannel(target.channel)) return;
    const wanted = title.length > MAX_TITLE ? `${title.slice(0, MAX_TITLE - 1)}…` : title;
    if (this.#titles.get(conversationKey) === wanted) return;
    await this.#client.assistant.threads.setTitle({
      channel_id: target.channel,
      thread_ts: target.threadTs,
      title: wanted,
    });
    this.#titles.delete(conversationKey);
    this.#titles.set(conversationKey, wanted);
    if (this.#titles.size > MAX_THREADS) this.#titles.delete(this.#titles.keys().next().value ?? "");
  }

  #context(key: string, thread: AssistantThread): void {
    const channel = thread.context?.channel_id;
    if (!channel || this.#contexts.get(key)?.channel === channel) return;
    this.#contexts.delete(key);
    this.#contexts.set(key, { channel, told: false });
    if (this.#contexts.size > MAX_THREADS) this.#contexts.delete(this.#contexts.keys().next().value ?? "");
  }

  #keyOf(thread: AssistantThread, team: string): string | undefined {
    if (!thread.channel_id || !thread.thread_ts) return undefined;
    return conversationKeyOf({ team, channel: thread.channel_id, threadTs: thread.thread_ts });
  }
}
