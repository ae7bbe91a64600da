import { pino } from "pino";

export type Logger = pino.Logger;

/**
 * Structured logs on stderr (stdout belongs to command output). Known secret
 * fields are censored wherever they appear, as a second line of defence.
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
    destination,
  );
}
