import type { Session } from "../store/types.js";
import type { Place, PlaceOf } from "./channel.js";

/** Who is looking, and from where. */
export interface Viewer {
  principal: string;
  conversationKey: string;
  admin: boolean;
}

/**
 * The conversations a person has written in (as the store knows them): what
 * makes them a known member of those conversations' rooms.
 */
export type ConversationsOf = (principal: string) => Promise<readonly string[]>;

/** Where a person has written: the rooms, and the workspaces they are in. */
interface Membership {
  rooms: ReadonlySet<string>;
  workspaces: ReadonlySet<string>;
}

type Rooms = () => Promise<Membership>;

/** Prefix of the conversation keys of trigger runs without a destination (`trigger:<name>:<session>`). */
const STORED_ONLY = "trigger:";

/**
 * The one visibility rule of chat-gateway, used by the chat commands, the
 * session tools and the CLI:
 *
 * | session                                   | who may read, search and resume it                        |
 * |-------------------------------------------|-----------------------------------------------------------|
 * | private chat, Slack DM or assistant thread, CLI | its owner, and admins                               |
 * | group, channel thread, forum topic        | the members of that conversation, and admins              |
 * | trigger run                               | the members of its destination, and admins; none: admins  |
 * | any, marked private (`private`, console)  | its owner, and admins                                     |
 * | any, marked shared (`share`, console)     | its owner, the members of its workspace, and admins       |
 *
 * Where a question is asked decides what may be quoted there: in a shared
 * conversation only what every member of it may read; in a private one what
 * its owner may read. A trigger run follows its destination, whatever its mark.
 */
export class Visibility {
  readonly #placeOf: PlaceOf;
  readonly #conversationsOf: ConversationsOf;

  constructor(placeOf: PlaceOf, conversationsOf: ConversationsOf) {
    this.#placeOf = placeOf;
    this.#conversationsOf = conversationsOf;
  }

  placeOf(conversationKey: string): Place {
    return this.#placeOf(conversationKey);
  }

  /** Whether only its owner and admins may read the session (the console's lock badge). */
  isPrivate(session: Session): boolean {
    if (session.origin === "trigger") return session.conversationKey.startsWith(STORED_ONLY);
    if (session.sharing !== null) return session.sharing === "private";
    return this.#placeOf(session.conversationKey).audience === "private";
  }

  /** Whether this person may read the session, wherever they ask (the table's rows). */
  mayRead(reader: { principal: string; admin: boolean }, session: Session): Promise<boolean> {
    return this.#mayRead(reader, session, this.#rooms(reader.principal));
  }

  /**
   * Whether the session may be shown where the viewer asks: in a shared
   * conversation only sessions every member of it may read (its own room's
   * shared sessions and the trigger runs posted there, never anyone's private
   * ones, not even for an admin); in a private one whatever its owner may read.
   */
  mayQuote(viewer: Viewer, session: Session): Promise<boolean> {
    return this.#mayQuote(viewer, session, this.#rooms(viewer.principal));
  }

  /** The sessions of `sessions` that may be shown where the viewer asks, in their order. */
  async quotable<T extends { session: Session }>(viewer: Viewer, items: readonly T[]): Promise<T[]> {
    const rooms = this.#rooms(viewer.principal);
    const shown: T[] = [];
    for (const item of items) if (await this.#mayQuote(viewer, item.session, rooms)) shown.push(item);
    return shown;
  }

  /**
   * Whether `resume` may make the session current where the viewer asks: only
   * a session of this very conversation that may be quoted here, and a private
   * session only in a private conversation of its owner.
   */
  async mayResume(viewer: Viewer, session: Session): Promise<boolean> {
    if (session.conversationKey !== viewer.conversationKey) return false;
    const there = this.#placeOf(session.conversationKey);
    if (there.audience === "private" && session.origin !== "trigger") {
      return session.owner === viewer.principal;
    }
    return this.mayQuote(viewer, session);
  }

  async #mayRead(reader: { principal: string; admin: boolean }, session: Session, rooms: Rooms): Promise<boolean> {
    if (reader.admin) return true;
    if (session.origin === "trigger") {
      if (session.conversationKey.startsWith(STORED_ONLY)) return false;
      return (await rooms()).rooms.has(this.#placeOf(session.conversationKey).room);
    }
    if (session.owner !== null && session.owner === reader.principal) return true;
    if (session.sharing === "private") return false;
    const place = this.#placeOf(session.conversationKey);
    const member = await rooms();
    if (session.sharing === "shared") return member.workspaces.has(place.workspace);
    return place.audience === "shared" && member.rooms.has(place.room);
  }

  async #mayQuote(viewer: Viewer, session: Session, rooms: Rooms): Promise<boolean> {
    const here = this.#placeOf(viewer.conversationKey);
    if (here.audience === "private") return this.#mayRead(viewer, session, rooms);
    if (session.origin === "trigger") {
      return (
        !session.conversationKey.startsWith(STORED_ONLY) && this.#placeOf(session.conversationKey).room === here.room
      );
    }
    if (session.sharing === "private") return false;
    const there = this.#placeOf(session.conversationKey);
    if (session.sharing === "shared") return there.workspace === here.workspace;
    return there.audience === "shared" && there.room === here.room;
  }

  /** The rooms a person has written in and their workspaces, looked up once per question and only when needed. */
  #rooms(principal: string): Rooms {
    let membership: Promise<Membership> | undefined;
    return () => {
      membership ??= this.#conversationsOf(principal).then((keys) => {
        const places = keys.map((key) => this.#placeOf(key));
        return {
          rooms: new Set(places.map((place) => place.room)),
          workspaces: new Set(places.map((place) => place.workspace)),
        };
      });
      return membership;
    };
  }
}
