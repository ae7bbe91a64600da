import { type Logger as BoltLogger, LogLevel } from "@slack/bolt";
import type { Logger } from "../../src/logger.js";

/**
 * Bolt's and the Socket Mode client's logs, into ours. Their `info` lines are chatter
 * ("Now connected to Slack") and go to debug; warnings and errors keep their level.
 */
export function boltLogger(logger: Logger): BoltLogger {
  const text = (parts: unknown[]) =>
    parts.map((part) => (part instanceof Error ? part.message : String(part))).join(" ");
  return {
    debug: (...parts: unknown[]) => logger.debug({ source: "bolt" }, text(parts)),
    info: (...parts: unknown[]) => logger.debug({ source: "bolt" }, text(parts)),
    warn: (...parts: unknown[]) => logger.warn({ source: "bolt" }, text(parts)),
    error: (...parts: unknown[]) => logger.error({ source: "bolt" }, text(parts)),
    setLevel: () => undefined,
    getLevel: () => (logger.isLevelEnabled("debug") ? LogLevel.DEBUG : LogLevel.INFO),
    setName: () => undefined,
  };
}
