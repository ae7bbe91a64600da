import type { Logger } from "../logger.js";
import type { Coordination } from "../store/coordination.js";
import type { RoleHandle, RoleWork } from "./channel.js";

const RETRY_MS = 1000;

interface Role {
  name: string;
  work: RoleWork;
  leading: boolean;
  released: boolean;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The roles this gateway takes when no other gateway on the database holds them: each is tried
 * every second until held, its work runs while held, and a lost hold (the coordination connection
 * broke) stops the work and starts trying again. With no coordination (a database one process
 * uses) every role is held at once.
 */
export class LeaderRoles {
  readonly #coordination: Coordination | undefined;
  readonly #logger: Logger;
  readonly #roles = new Set<Role>();

  constructor(coordination: Coordination | undefined, logger: Logger) {
    this.#coordination = coordination;
    this.#logger = logger;
    coordination?.onLost(() => {
      for (const role of this.#roles) if (role.leading) void this.#lose(role);
    });
  }

  /** The roles held now, by name. */
  held(): string[] {
    return [...this.#roles].filter((role) => role.leading).map((role) => role.name);
  }

  lead(name: string, work: RoleWork): RoleHandle {
    const role: Role = { name, work, leading: false, released: false, timer: undefined };
    this.#roles.add(role);
    void this.#try(role);
    const release = async () => {
      role.released = true;
      clearTimeout(role.timer);
      this.#roles.delete(role);
      if (!role.leading) return;
      role.leading = false;
      await work.stop();
      await this.#coordination?.resign(name);
      this.#logger.info({ role: name }, "gave the role up");
    };
    return {
      get leading() {
        return role.leading;
      },
      release,
    };
  }

  async #try(role: Role): Promise<void> {
    if (role.released || role.leading) return;
    const held = await (this.#coordination?.tryLead(role.name) ?? Promise.resolve(true)).catch(() => false);
    if (role.released) {
      if (held) await this.#coordination?.resign(role.name);
      return;
    }
    if (held) {
      role.leading = true;
      if (this.#coordination) this.#logger.info({ role: role.name }, "took the role: this gateway leads it now");
      role.work.start();
      return;
    }
    role.timer = setTimeout(() => void this.#try(role), RETRY_MS);
    role.timer.unref();
  }

  async #lose(role: Role): Promise<void> {
    role.leading = false;
    this.#logger.warn({ role: role.name }, "lost the role (the database connection broke); stopping its work");
    await role.work
      .stop()
      .catch((error: unknown) => this.#logger.warn({ err: error }, "stopping the role's work failed"));
    void this.#try(role);
  }
}
