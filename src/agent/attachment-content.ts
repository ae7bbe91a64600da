import type { Attachment } from "../gateway/channel.js";
import type { ContentPart } from "./messages.js";

/**
 * A user message with the files it came with, as the model takes it: images as image parts when the
 * model can see them, text files inlined, and a short note for anything the model cannot read, so it
 * can tell the user instead of pretending the file was not there.
 */
export function userContent(text: string, attachmentsJson: string | null, vision: boolean): string | ContentPart[] {
  const attachments = parse(attachmentsJson);
  if (attachments.length === 0) return text;
  const parts: ContentPart[] = text.trim() === "" ? [] : [{ type: "text", text }];
  for (const file of attachments) {
    if (file.kind === "image" && file.data !== undefined && vision) {
      parts.push({ type: "image", url: `data:${file.mimeType};base64,${file.data}` });
    } else if (file.kind === "text" && file.data !== undefined) {
      parts.push({ type: "text", text: `File ${file.name}:\n\`\`\`\n${file.data}\n\`\`\`` });
    } else {
      const why = file.kind === "image" ? "this model cannot see images" : "this file type is not supported yet";
      parts.push({ type: "text", text: `[The user sent ${file.name} (${file.mimeType}); it was not read: ${why}.]` });
    }
  }
  return parts.every((part) => part.type === "text") ? parts.map((part) => part.text).join("\n\n") : parts;
}

function parse(json: string | null): Attachment[] {
  if (!json) return [];
  try {
    const value = JSON.parse(json) as unknown;
    return Array.isArray(value) ? (value as Attachment[]) : [];
  } catch {
    return [];
  }
}
