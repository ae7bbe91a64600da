import { pino } from "pino";
import { redactSecrets } from "./secrets/secret-registry.js";

export type Logger = pino.Logger;

/**
 * A destination that removes every registered secret from each finished log
 * line before it is written: the message, every field, an error's message and
 * its stack, whatever library produced the text.
 */
function redacting(destination: pino.DestinationStream): pino.DestinationStream {
  const flushable = destination as pino.DestinationStream & { flush?: (cb: (error?: Error) => void) => void };
  return {
    write: (line: string) => destination.write(redactSecrets(line)),
    ...(typeof flushable.flush === "function" ? { flush: (cb: (error?: Error) => void) => flushable.flush?.(cb) } : {}),
  } as pino.DestinationStream;
}

/**
 * Structured logs on stderr (stdout belongs to command output). Every
 * configured secret is replaced in every line (see {@link redacting}); known
 * secret fields are also censored by name, for values no registry knows (a
 * request's own authorization header).
 */
export function createLogger(level: string, destination: pino.DestinationStream = pino.destination(2)): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: {
        paths: [
          "token",
          "*.token",
          "apiKey",
          "*.apiKey",
          "secret",
          "*.secret",
          "authorization",
          "*.authorization",
          "headers.authorization",
          "*.headers.authorization",
          "*.headers.cookie",
          '*.headers["x-slack-signature"]',
          '*.headers["x-telegram-bot-api-secret-token"]',
        ],
        censor: "[redacted]",
      },
    },
    redacting(destination),
  );
}
