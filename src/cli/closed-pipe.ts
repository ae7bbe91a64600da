/**
 * `gateway run … | head` closes the pipe while the command still writes: the
 * next write fails with EPIPE. Instead of a stack trace, the command stops
 * writing to that stream and finishes its work (a turn is still stored and
 * its session stays consistent); the exit code is what the work decides.
 */
export function ignoreClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    stream.write = ((_chunk: unknown, encodingOrDone?: unknown, done?: unknown) => {
      const callback = typeof encodingOrDone === "function" ? encodingOrDone : done;
      if (typeof callback === "function") callback();
      return true;
    }) as typeof stream.write;
  });
}
