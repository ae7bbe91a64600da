import type { HttpResponse } from "../http/http-server.js";
import type { SessionSharing } from "../store/types.js";
import type { ConsoleDeps } from "./console-deps.js";
import { redirect } from "./layout.js";

/** A change posted from a page: its form fields and who posted it. */
export type ConsoleAction = (form: URLSearchParams, operator: string, deps: ConsoleDeps) => Promise<HttpResponse>;

const sessionUrl = (id: string) => `/admin/session?id=${encodeURIComponent(id)}`;

/** Every change the console makes, by path; each one is written to the audit log as `console:<operator>`. */
export const consoleActions: Readonly<Record<string, ConsoleAction>> = {
  "/admin/session/rename": async (form, operator, deps) => {
    const title = (form.get("title") ?? "").trim().slice(0, 200);
    const session = await existing(form, deps);
    if (!session || !title) return redirect(session ? sessionUrl(session.id) : "/admin", "Nothing renamed.");
    await deps.store.sessions.rename(session.id, title);
    await audit(deps, operator, "session.rename", session.id, title);
    return redirect(sessionUrl(session.id), `Renamed to "${title}".`);
  },
  "/admin/session/sharing": async (form, operator, deps) => {
    const session = await existing(form, deps);
    if (!session) return redirect("/admin", "No such session.");
    const wanted = form.get("sharing");
    const sharing: SessionSharing | null = wanted === "private" || wanted === "shared" ? wanted : null;
    await deps.store.sessions.setSharing(session.id, sharing);
    await audit(deps, operator, "session.sharing", session.id, sharing ?? "default");
    return redirect(sessionUrl(session.id), sharing === "private" ? "The session is private now." : "Sharing changed.");
  },
  "/admin/session/archive": async (form, operator, deps) => {
    const session = await existing(form, deps);
    if (!session) return redirect("/admin", "No such session.");
    await deps.store.sessions.archive(session.id);
    await audit(deps, operator, "session.archive", session.id, null);
    return redirect(sessionUrl(session.id), "Archived.");
  },
  "/admin/session/unarchive": async (form, operator, deps) => {
    const session = await existing(form, deps);
    if (!session) return redirect("/admin", "No such session.");
    await deps.store.sessions.unarchive(session.id);
    await audit(deps, operator, "session.unarchive", session.id, null);
    return redirect(sessionUrl(session.id), "Unarchived.");
  },
  "/admin/session/delete": async (form, operator, deps) => {
    const session = await existing(form, deps);
    if (!session) return redirect("/admin", "No such session.");
    if (form.get("confirm") !== "yes") return redirect(sessionUrl(session.id), "Not deleted: it was not confirmed.");
    await deps.store.sessions.delete(session.id);
    await audit(deps, operator, "session.delete", session.id, session.title);
    return redirect("/admin", `Deleted ${session.id}.`);
  },
  "/admin/queue/drop": async (form, operator, deps) => {
    const sessionId = form.get("session") ?? "";
    const inboundId = Number.parseInt(form.get("inbound") ?? "", 10);
    // Back to a console page only: a form can not send anyone elsewhere.
    const back = (form.get("back") ?? "").startsWith("/admin") ? (form.get("back") as string) : "/admin/queues";
    if (!Number.isSafeInteger(inboundId)) return redirect(back, "Nothing dropped.");
    const dropped = await deps.store.queue.drop(sessionId, inboundId);
    if (dropped) await audit(deps, operator, "queue.drop", sessionId, `message ${inboundId}`);
    return redirect(back, dropped ? "Dropped; it will not be answered." : "It was already being answered, or is gone.");
  },
  "/admin/outbox/retry": async (form, operator, deps) => {
    const id = Number.parseInt(form.get("id") ?? "", 10);
    const retried = Number.isSafeInteger(id) && (await deps.store.outbox.retryNow(id));
    if (retried) {
      await audit(deps, operator, "outbox.retry", `outbox ${id}`, null);
      deps.wakeOutbox();
    }
    return redirect("/admin/queues", retried ? `Row ${id} goes out again now.` : "That row is being sent or gone.");
  },
  "/admin/outbox/give-up": async (form, operator, deps) => {
    const id = Number.parseInt(form.get("id") ?? "", 10);
    const given =
      Number.isSafeInteger(id) && (await deps.store.outbox.giveUp(id, `given up by ${operator} on the console`));
    if (given) await audit(deps, operator, "outbox.give-up", `outbox ${id}`, null);
    return redirect("/admin/queues", given ? `Row ${id} was given up.` : "That row is being sent or gone.");
  },
};

function existing(form: URLSearchParams, deps: ConsoleDeps) {
  return deps.store.sessions.get(form.get("id") ?? "");
}

/** Writes one audit entry for an operator's change. */
export async function audit(
  deps: ConsoleDeps,
  operator: string,
  action: string,
  target: string | null,
  detail: string | null,
): Promise<void> {
  await deps.store.console.audit({ actor: `console:${operator}`, action, target, detail });
}
