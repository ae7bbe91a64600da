import { extname } from "node:path";
import { z } from "zod";
import { defineTool } from "./tools.js";

const MIME_TYPES: Record<string, string> = {
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".csv": "text/csv",
  ".json": "application/json",
  ".html": "text/html",
  ".xml": "application/xml",
  ".yaml": "application/yaml",
  ".yml": "application/yaml",
  ".pdf": "application/pdf",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".svg": "image/svg+xml",
  ".zip": "application/zip",
};

/** The built-in `send_file`: the model sends a text or binary file to the person it answers. */
export const sendFileTool = defineTool({
  name: "send_file",
  description:
    "Send a file to the user in this conversation (a report, a CSV, code, an image). Give its content as text, as base64 for binary files, or the id of an earlier tool call whose result was an image (from_tool_call). The file arrives as an attachment; say in your answer what it is.",
  parameters: z
    .object({
      name: z.string().min(1).max(200).describe('The file name with its extension, e.g. "report.csv".'),
      text: z.string().optional().describe("The content, for text files."),
      base64: z.string().optional().describe("The content, base64-encoded, for binary files."),
      from_tool_call: z
        .string()
        .optional()
        .describe("The id of an earlier tool call whose result held an image: that image is sent."),
      mime_type: z.string().max(100).optional().describe("The media type; guessed from the extension if absent."),
      caption: z.string().max(1000).optional().describe("A short line shown with the file."),
    })
    .refine((args) => [args.text, args.base64, args.from_tool_call].filter((v) => v !== undefined).length === 1, {
      message: "give exactly one of text, base64 and from_tool_call",
    }),
  async run(args, context) {
    if (!context.sendFile) return { ok: false, error: "files cannot be sent from this conversation" };
    let fromTool: { mimeType: string; data: string } | undefined;
    if (args.from_tool_call !== undefined) {
      fromTool = await context.toolImage?.(args.from_tool_call);
      if (!fromTool)
        return { ok: false, error: `no image returned by a tool call "${args.from_tool_call}" in this session` };
    }
    const bytes =
      args.text !== undefined
        ? Buffer.from(args.text, "utf8")
        : Buffer.from(fromTool?.data ?? args.base64 ?? "", "base64");
    if (bytes.length === 0) return { ok: false, error: "the file is empty" };
    const mimeType =
      args.mime_type ??
      fromTool?.mimeType ??
      MIME_TYPES[extname(args.name).toLowerCase()] ??
      (args.text !== undefined ? "text/plain" : "application/octet-stream");
    try {
      const where = await context.sendFile({
        name: args.name,
        mimeType,
        bytes,
        ...(args.caption ? { caption: args.caption } : {}),
      });
      return { ok: true, content: where };
    } catch (error) {
      return { ok: false, error: `the file was not sent: ${(error as Error).message}` };
    }
  },
});
