import { describe, expect } from "vitest";
import { ChatProcess } from "../chat/chat-helpers.js";
import { cliTest as it } from "../cli/run-cli.js";
import { DocsFolder } from "../mcp/mcp-world.js";
import { approvalYaml, NOTE, noteText, scriptWriter } from "./approval-world.js";

describe("tool approvals in gateway chat", () => {
  it("asks with a y/n prompt; y runs the tool and the answer follows", async ({ cli: { fake, box } }) => {
    const docs = new DocsFolder();
    scriptWriter(fake, docs.dir);
    const term = new ChatProcess(box, [], { GATEWAY_CONFIG: approvalYaml(box.dir, docs) });
    try {
      term.type("please write the note");
      await term.shows("[y] Approve  [n] Deny  [a] Always allow in this session");
      expect(term.stdout).toContain("files.write_file");
      expect(noteText(docs)).toBeUndefined();
      term.type("y");
      await term.shows("Done: the note is written.");
      // The outcome goes out through the outbox, the answer streams straight to the terminal: either may come first.
      await term.shows("Approved by cli:local");
      expect(noteText(docs)).toBe(NOTE.content);
      const result = await term.end();
      expect(result.code, result.stderr).toBe(0);
    } finally {
      term.kill();
      docs.cleanup();
    }
  });
});
