import { PassThrough, Writable } from "node:stream";
import { TerminalAdapter } from "../../adapters/terminal/terminal-adapter.js";
import { type ChannelHarness, describeChannelContract } from "./channel-contract.js";

/** The terminal as a platform: lines typed on its input, text printed on its output. */
describeChannelContract(
  "TerminalAdapter (gateway chat)",
  async (): Promise<ChannelHarness> => {
    const input = new PassThrough();
    const printed: string[] = [];
    const output = new Writable({
      write(chunk: Buffer, _encoding, done) {
        printed.push(chunk.toString("utf8"));
        done();
      },
    });
    const adapter = new TerminalAdapter({
      input,
      output,
      conversationKey: "cli:s_contract",
      userName: "tester",
      onInputEnd: () => undefined,
    });
    return {
      adapter,
      start: (host) => adapter.start(host),
      deliverFromPlatform: async (_conv, _sender, text) => {
        input.write(`${text}\n`);
      },
      platformSent: () =>
        printed
          .filter((chunk) => chunk.endsWith("\n"))
          .map((chunk) => ({ conversation: "s_contract", text: chunk.slice(0, -1) })),
      platformText: () => undefined,
      failNextPlatformCall: () => {
        throw new Error("a terminal does not fail");
      },
      close: async () => {
        await adapter.stop();
        input.end();
      },
    };
  },
  { manyConversations: false, redelivery: false, editsAndDeletes: false, failures: false },
);
