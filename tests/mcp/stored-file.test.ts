import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { TerminalAdapter } from "../../adapters/terminal/terminal-adapter.js";
import { FileFolder, FileFolderError } from "../../src/files/file-folder.js";
import type { ChannelAdapter, OutboundFile, OutboundMessage } from "../../src/gateway/channel.js";
import { sendStoredFile } from "../../src/gateway/send-stored-file.js";
import type { OutboxRow } from "../../src/store/types.js";
import { makeTempDir, removeTempDir } from "../support/temp-dirs.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) removeTempDir(dir);
});

function folder(limits = { maxFileBytes: 100, maxTotalBytes: 150 }): FileFolder {
  const dir = makeTempDir("files-");
  dirs.push(dir);
  return new FileFolder(join(dir, "gateway.db"), limits);
}

/** An adapter that records what it was asked to send; `maxFileBytes` undefined = takes no files. */
function adapter(maxFileBytes: number | undefined) {
  const texts: OutboundMessage[] = [];
  const files: OutboundFile[] = [];
  const channel = {
    name: "fake",
    limits: { maxMessageLength: 4000, ...(maxFileBytes !== undefined ? { maxFileBytes } : {}) },
    send: async (message: OutboundMessage) => {
      texts.push(message);
      return { messageId: `m${texts.length}` };
    },
    ...(maxFileBytes !== undefined
      ? {
          sendFile: async (file: OutboundFile) => {
            files.push(file);
            return { messageId: `f${files.length}` };
          },
        }
      : {}),
  } as unknown as ChannelAdapter;
  return { channel, texts, files };
}

const row = { id: 7, conversationKey: "fake:1", text: "the caption", replyToMessageId: null } as unknown as OutboxRow;

describe("the files folder and the upload of a stored file", () => {
  it("keeps files beside the database, refuses one over the size or the folder's cap, and removes uploaded ones", () => {
    const files = folder();
    const stored = files.save("../../etc/report.csv", "text/csv", Buffer.alloc(80));
    expect(stored).toMatchObject({ name: "report.csv", size: 80, mimeType: "text/csv" });
    expect(stored.path.startsWith(files.dir)).toBe(true);
    expect(() => files.save("big.bin", "application/octet-stream", Buffer.alloc(101))).toThrow(FileFolderError);
    expect(() => files.save("more.bin", "application/octet-stream", Buffer.alloc(80))).toThrow(
      "the files folder is full",
    );
    files.remove(stored);
    expect(files.usedBytes()).toBe(0);
    expect(files.save("more.bin", "application/octet-stream", Buffer.alloc(80)).size).toBe(80);
  });

  it("uploads a file within the channel's limit, with its caption", async () => {
    const stored = folder().save("a.csv", "text/csv", Buffer.from("a,b"));
    const { channel, files, texts } = adapter(10);
    expect(await sendStoredFile(channel, row, stored)).toBe("f1");
    expect(files).toEqual([
      {
        conversationKey: "fake:1",
        name: "a.csv",
        mimeType: "text/csv",
        bytes: Buffer.from("a,b"),
        caption: "the caption",
      },
    ]);
    expect(texts).toEqual([]);
  });

  it("sends a notice instead when the file is over the platform's limit or the channel takes no files", async () => {
    const stored = folder().save("a.csv", "text/csv", Buffer.from("a,b,c,d"));
    const small = adapter(3);
    await sendStoredFile(small.channel, row, stored);
    expect(small.files).toEqual([]);
    expect(small.texts[0]?.text).toMatch(
      /The file a\.csv was not sent: it is 1 kB, and fake takes files of at most 1 kB/,
    );
    const none = adapter(undefined);
    await sendStoredFile(none.channel, row, stored);
    expect(none.texts[0]?.text).toBe("(The file a.csv was not sent: this channel cannot receive files.)");
  });

  it("gateway chat: the terminal writes a file to its downloads folder and prints the path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "downloads-"));
    dirs.push(dir);
    const output = new PassThrough();
    let printed = "";
    output.on("data", (chunk: Buffer) => {
      printed += chunk.toString();
    });
    const terminal = new TerminalAdapter({
      input: new PassThrough(),
      output,
      conversationKey: "cli:s_1",
      userName: "me",
      onInputEnd: () => undefined,
      downloadsDir: join(dir, "downloads"),
    });
    await terminal.sendFile({
      conversationKey: "cli:s_1",
      name: "r.csv",
      mimeType: "text/csv",
      bytes: Buffer.from("x,y"),
    });
    const path = /file: (.+)\n/.exec(printed)?.[1] ?? "";
    expect(path.startsWith(join(dir, "downloads"))).toBe(true);
    expect(readFileSync(path, "utf8")).toBe("x,y");
  });
});
