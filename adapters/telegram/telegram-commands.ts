import type { Api } from "grammy";
import type { BotCommand } from "grammy/types";
import type { CommandMenu } from "../../src/gateway/channel.js";
import type { Logger } from "../../src/logger.js";

/** The chat commands as Telegram's command menu shows them. */
export function botCommands(menu: CommandMenu): BotCommand[] {
  return menu.map(([usage, description]) => ({
    command: usage.split(" ")[0] ?? usage,
    description: description.slice(0, 256),
  }));
}

/**
 * Sets the command menu only when it differs from what Telegram has: setMyCommands on every start
 * is what earns bots long 429 lockouts. Failing here never stops the channel.
 */
export async function syncCommands(api: Api, logger: Logger, wanted: BotCommand[]): Promise<"set" | "unchanged"> {
  try {
    const current = await api.getMyCommands();
    const same =
      current.length === wanted.length &&
      current.every((c, i) => c.command === wanted[i]?.command && c.description === wanted[i]?.description);
    if (same) return "unchanged";
    await api.setMyCommands(wanted);
    logger.info({ commands: wanted.length }, "telegram command menu updated");
    return "set";
  } catch (error) {
    logger.warn({ err: error }, "telegram command menu not updated");
    return "unchanged";
  }
}
