import type { ChatMessage, ContentPart } from "./messages.js";
import type { ToolImage } from "./tools.js";

/**
 * The images a step's tools returned, as the user message that shows them to a vision model. Chat
 * Completions takes no images in tool messages, so they follow the step's tool results.
 */
export function toolImagesMessage(images: readonly ToolImage[]): ChatMessage | undefined {
  if (images.length === 0) return undefined;
  const parts: ContentPart[] = [
    { type: "text", text: `[The tools above returned ${images.length === 1 ? "this image" : "these images"}.]` },
    ...images.map((image): ContentPart => ({ type: "image", url: `data:${image.mimeType};base64,${image.data}` })),
  ];
  return { role: "user", content: parts };
}
