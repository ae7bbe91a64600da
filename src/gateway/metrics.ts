import type { TurnState } from "../store/types.js";
import type { AcceptResult } from "./channel.js";

/** What became of an inbound message at the gateway's door. */
export type MessageOutcome = AcceptResult["status"];

/**
 * What the core tells monitoring, as events: the one implementation (`src/metrics/`) turns them
 * into Prometheus series, so no metrics library is imported here. Calls never throw and never wait.
 */
export interface GatewayMetrics {
  /** A message reached `gateway.accept()` and was stored, recognised as a duplicate, refused, … */
  message(channel: string, outcome: MessageOutcome): void;
  turnStarted(): void;
  /** A turn this process ran ended (`crashed`: it threw and goes back to the queue). */
  turnEnded(state: TurnState | "crashed", seconds: number): void;
  /** The platform answered 429 to a reply (it is sent again after `retry_after`). */
  rateLimited(channel: string): void;
  /** A reply is sent again after an error. */
  retried(channel: string): void;
}

/** Monitoring switched off. */
export const noMetrics: GatewayMetrics = {
  message: () => undefined,
  turnStarted: () => undefined,
  turnEnded: () => undefined,
  rateLimited: () => undefined,
  retried: () => undefined,
};
