/**
 * A line splitter with a cap on line length, for the output and protocol streams of worker
 * processes. node:readline keeps an unterminated line in memory without limit, so a worker
 * printing hundreds of megabytes without a newline exhausted the emulator's memory and then
 * crashed it ("Invalid string length"); this reader holds at most `maxLineBytes` per stream.
 */
import type { Readable } from "node:stream";

/**
 * Calls `onLine` for every `\n`-terminated line of `stream` (and for a last unterminated one at
 * its end), decoded as UTF-8 without the line ending. A line longer than `maxLineBytes` is
 * passed once, cut to its first `maxLineBytes` bytes with `truncated` true; the rest of it, up
 * to the next newline, is discarded. Stream errors are swallowed (the process exit reports
 * what went wrong); an exception thrown by `onLine` propagates to the caller's stream.
 */
export function readLines(stream: Readable, maxLineBytes: number, onLine: (line: string, truncated: boolean) => void): void {
  let parts: Buffer[] = [];
  let size = 0;
  // True after a line was cut: its remainder is dropped up to the next newline.
  let discarding = false;
  const flush = (truncated: boolean) => {
    const text = Buffer.concat(parts, size).toString("utf8");
    parts = [];
    size = 0;
    onLine(text.endsWith("\r") ? text.slice(0, -1) : text, truncated);
  };
  stream.on("data", (chunk: Buffer | string) => {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    let start = 0;
    while (start <= bytes.length) {
      const newline = bytes.indexOf(0x0a, start);
      const end = newline === -1 ? bytes.length : newline;
      if (!discarding && end > start) {
        const room = maxLineBytes - size;
        const piece = bytes.subarray(start, end);
        if (piece.length > room) {
          parts.push(piece.subarray(0, room));
          size += room;
          discarding = true;
          flush(true);
        } else {
          // Copy: a slice would keep the whole (possibly large) chunk alive.
          parts.push(Buffer.from(piece));
          size += piece.length;
        }
      }
      if (newline === -1) break;
      if (discarding) discarding = false;
      else flush(false);
      start = newline + 1;
    }
  });
  stream.on("end", () => {
    if (!discarding && size > 0) flush(false);
  });
  stream.on("error", () => undefined);
}
