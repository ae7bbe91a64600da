import type { Clock } from "../ids.js";
import type { Store } from "../store/store.js";
import type { Session } from "../store/types.js";
import type { ConsoleAuth } from "./console-auth.js";

/** What the console's pages and actions need from the gateway. */
export interface ConsoleDeps {
  store: Store;
  auth: ConsoleAuth;
  /** Whether only its owner and admins may read the session (the lock badge), by the one visibility rule. */
  isPrivate(session: Session): boolean;
  /** The configured Experts' and channels' names, for the filters. */
  experts: readonly string[];
  channels: readonly string[];
  clock: Clock;
  /** A row made due again goes out now rather than at the sender's next poll. */
  wakeOutbox(): void;
}
