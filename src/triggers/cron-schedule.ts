import { Cron } from "croner";
import type { TriggerSettings } from "../config/file-schema.js";

type Schedule = NonNullable<TriggerSettings["schedule"]>;

/** The first time after `after` (epoch ms) that the schedule fires, in its time zone; undefined if never. */
export function nextFireAt(schedule: Schedule, after: number): number | undefined {
  const next = new Cron(schedule.cron, { timezone: schedule.timezone, paused: true }).nextRun(new Date(after));
  return next ? next.getTime() : undefined;
}
