/** How the fake model answers: at once ("ok"), or 200 tokens streamed over 2 s. */
export type ModelMode = "instant" | "stream";

const STREAM_TOKENS = 200;
const STREAM_MS = 2_000;

/** The whole streamed answer, as each conversation must receive it. */
export const streamedText = Array.from({ length: STREAM_TOKENS }, (_, i) => `t${i}`).join(" ");

export const streamedReply = {
  kind: "text" as const,
  text: streamedText,
  pieces: streamedText.split(" ").map((token, i) => (i === 0 ? token : ` ${token}`)),
  delayMs: STREAM_MS / STREAM_TOKENS,
};

export const instantReply = { kind: "text" as const, text: "ok", pieces: ["ok"] };
