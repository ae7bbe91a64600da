// The fakes' process: fake Telegram, fake Slack and a fake OpenAI-compatible model on 127.0.0.1, and the
// load generator that plays the platforms' side. The bench driver (run.ts) forks it and sends it phases
// over IPC, so the gateway's CPU and memory are its own.

import { FakeOpenAi, lastUserText } from "../tests/fakes/fake-openai.js";
import type { SlackCall } from "../tests/fakes/fake-slack.js";
import { FakeSlack } from "../tests/fakes/fake-slack.js";
import type { TelegramCall } from "../tests/fakes/fake-telegram.js";
import { FakeTelegram } from "../tests/fakes/fake-telegram.js";
import { idOfChat, idOfText } from "./inbound.js";
import { nowMs } from "./load.js";
import { Marks } from "./marks.js";
import { ModelHold } from "./model-hold.js";
import { instantReply, type ModelMode, streamedReply } from "./model-replies.js";
import { type PhaseRequest, runPhase } from "./phases.js";

/** What the driver needs to point the gateway at the fakes. */
export interface WorldUrls {
  telegram: string;
  slack: string;
  model: string;
}

const marks = new Marks();
const hold = new ModelHold();
let lastPlatformCall = 0;
const telegram = await new FakeTelegram({ token: "123456789:BENCH-token" }).start();
const slack = await new FakeSlack().start();
const model = await new FakeOpenAi().start();

// The fakes keep every call for tests to inspect; here each is only timestamped (a million calls would not fit).
telegram.calls.push = (...calls: TelegramCall[]) => {
  lastPlatformCall = nowMs();
  for (const call of calls) {
    const id = call.method === "sendMessage" ? idOfChat(call.params.chat_id) : undefined;
    if (id !== undefined) marks.replied(id, String(call.params.text ?? ""));
  }
  return 0;
};
slack.calls.push = (...calls: SlackCall[]) => {
  lastPlatformCall = nowMs();
  for (const call of calls) {
    const final = call.method === "chat.postMessage" || call.method === "chat.stopStream";
    const id = final ? idOfChat(call.params.channel) : undefined;
    if (id !== undefined) marks.replied(id, String(call.params.text ?? call.params.markdown_text ?? ""));
  }
  return 0;
};

let mode: ModelMode = "instant";
model.beforeReply = (body) => {
  const id = idOfText(lastUserText(body));
  if (id !== undefined) marks.model(id);
  return hold.wait(id);
};
model.fallback = (body) => {
  model.requests.length = 0;
  const id = idOfText(lastUserText(body));
  if (mode === "stream") return streamedReply;
  // The instant answer is written in this same tick: this is when its last token leaves.
  if (id !== undefined) marks.lastToken(id);
  return instantReply;
};

const urls: WorldUrls = { telegram: telegram.url, slack: slack.apiUrl, model: model.url };

process.on("message", (message: { seq: number; request: PhaseRequest | { phase: "model"; mode: ModelMode } }) => {
  const answer = async (): Promise<unknown> => {
    if (message.request.phase === "model") {
      mode = message.request.mode;
      return mode;
    }
    telegram.messages.clear();
    slack.messages.clear();
    return runPhase(message.request, { marks, hold, quietMs: () => nowMs() - lastPlatformCall });
  };
  answer().then(
    (result) => process.send?.({ seq: message.seq, result }),
    (error: unknown) => process.send?.({ seq: message.seq, error: String((error as Error).stack ?? error) }),
  );
});
process.on("disconnect", () => {
  Promise.all([telegram.stop(), slack.stop(), model.stop()]).finally(() => process.exit(0));
});
process.send?.({ seq: 0, result: urls });
