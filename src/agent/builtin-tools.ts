import { z } from "zod";
import { sendFileTool } from "./send-file-tool.js";
import { defineTool, type Tool } from "./tools.js";

const currentTime = defineTool({
  name: "current_time",
  description: "The current date and time, in an IANA time zone (default UTC).",
  parameters: z.object({
    timezone: z.string().optional().describe('An IANA time zone such as "Europe/Berlin".'),
  }),
  async run({ timezone }, context) {
    const zone = timezone ?? "UTC";
    try {
      const text = new Intl.DateTimeFormat("en-GB", {
        timeZone: zone,
        dateStyle: "full",
        timeStyle: "long",
      }).format(new Date(context.now()));
      return { ok: true, content: text };
    } catch {
      return { ok: false, error: `unknown time zone "${zone}"` };
    }
  },
});

/** Tools that need nothing but the turn itself; others are registered by their rooms. */
export const builtinTools: readonly Tool[] = [currentTime, sendFileTool];
