import { Cron } from "croner";

/** A trigger's schedule as the YAML gives it. */
export interface Schedule {
  cron: string;
  /** An IANA time zone, e.g. Europe/Berlin. */
  timezone: string;
}

/** The first time after `after` (epoch ms) that the schedule fires, in its time zone; undefined if never. */
export function nextFireAt(schedule: Schedule, after: number): number | undefined {
  const next = new Cron(schedule.cron, { timezone: schedule.timezone, paused: true }).nextRun(new Date(after));
  return next ? next.getTime() : undefined;
}

/** What is wrong with a schedule, naming the field, or undefined when croner takes it. */
export function scheduleProblem(schedule: Schedule): { field: "cron" | "timezone"; message: string } | undefined {
  try {
    nextFireAt(schedule, Date.now());
    return undefined;
  } catch (error) {
    const message = (error as Error).message;
    if (/timezone/i.test(message)) {
      return { field: "timezone", message: `"${schedule.timezone}" is not an IANA time zone (e.g. Europe/Berlin)` };
    }
    return { field: "cron", message: `not a cron expression: ${message.replace(/^CronPattern: /, "")}` };
  }
}
