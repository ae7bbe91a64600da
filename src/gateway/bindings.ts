import type { Config } from "../config/config.js";
import type { QueueMode } from "../config/file-schema.js";

type ChannelSettings = Config["telegram"]["settings"] | Config["slack"]["settings"];

/** The YAML's channel sections, as far as bindings and allow lists need them. */
export interface ChannelSections {
  telegram: { settings?: ChannelSettings };
  slack: { settings?: ChannelSettings };
}

/** What the YAML says about a chat: its default Expert and queue mode. */
export interface Binding {
  expert: string | undefined;
  mode: QueueMode | undefined;
}

/** A chat's binding (`channels.<name>.bindings`), falling back to the channel's defaults. */
export function bindingFor(config: ChannelSections, channel: string, chatId: string | undefined): Binding {
  const settings =
    channel === "telegram" ? config.telegram.settings : channel === "slack" ? config.slack.settings : undefined;
  const bound = chatId === undefined ? undefined : settings?.bindings.find((binding) => binding.chat === chatId);
  return { expert: bound?.expert ?? settings?.expert, mode: bound?.mode ?? settings?.mode };
}
