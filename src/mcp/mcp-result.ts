import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { ToolImage, ToolResult } from "../agent/tools.js";

/** Images larger than this (base64 characters) are named, not shown: a model call has its own body limit. */
const MAX_IMAGE_CHARS = 4 * 1024 * 1024;
const MAX_IMAGES = 4;

/**
 * An MCP tool result as the model reads it: text parts joined, images shown (to vision models) and
 * named, embedded text resources inlined, links and binary resources described; `isError` makes it a
 * tool error the model sees. The text is cut to `maxChars` with a note saying how much was left out.
 */
export function toToolResult(result: CallToolResult, maxChars: number): ToolResult {
  const texts: string[] = [];
  const images: ToolImage[] = [];
  const showImage = (mimeType: string, data: string, label: string) => {
    if (images.length < MAX_IMAGES && data.length <= MAX_IMAGE_CHARS) {
      images.push({ mimeType, data });
      texts.push(`[${label}: ${mimeType}, ${sizeOf(data)}]`);
    } else texts.push(`[${label}: ${mimeType}, ${sizeOf(data)}; too large or too many to show]`);
  };
  for (const part of result.content ?? []) {
    switch (part.type) {
      case "text":
        texts.push(part.text);
        break;
      case "image":
        showImage(part.mimeType, part.data, "image");
        break;
      case "audio":
        texts.push(`[audio: ${part.mimeType}, ${sizeOf(part.data)}; audio is not passed to the model]`);
        break;
      case "resource_link":
        texts.push(`[resource link: ${part.name} ${part.uri}${part.mimeType ? ` (${part.mimeType})` : ""}]`);
        break;
      case "resource": {
        const resource = part.resource;
        const mimeType = resource.mimeType ?? "application/octet-stream";
        if ("text" in resource) texts.push(`Resource ${resource.uri}:\n${resource.text}`);
        else if (mimeType.startsWith("image/")) showImage(mimeType, resource.blob, `image resource ${resource.uri}`);
        else texts.push(`[resource ${resource.uri}: ${mimeType}, ${sizeOf(resource.blob)}]`);
        break;
      }
    }
  }
  if (texts.length === 0 && result.structuredContent !== undefined)
    texts.push(JSON.stringify(result.structuredContent));
  const text = truncate(texts.join("\n\n"), maxChars);
  if (result.isError) return { ok: false, error: text || "the tool reported an error" };
  return { ok: true, content: text, ...(images.length > 0 ? { images } : {}) };
}

/** Cuts text to `maxChars` (never inside a surrogate pair) and says so, so the model knows it saw a part. */
export function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = maxChars;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}\n\n[output truncated: the tool returned ${text.length} characters; only the first ${end} are shown. Ask for a smaller part if you need more.]`;
}

function sizeOf(base64: string): string {
  const bytes = Math.floor((base64.length * 3) / 4);
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} kB`;
}
