/**
 * JSDoc text of generated symbols, from proto comments.
 *
 * The lines returned here are safe to place between `/**` and `*\/`: a `*\/` in a comment is
 * escaped, and NUL characters (the render layer's placeholder delimiter) are dropped.
 */

/** Splits a proto comment into JSDoc lines: one leading space removed, `*\/` escaped. */
export function commentLines(comment: string): string[] {
  if (comment === "") {
    return [];
  }
  const lines = comment
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((line) => escapeJsDoc(line.startsWith(" ") ? line.substring(1) : line).trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === "") {
    lines.pop();
  }
  while (lines.length > 0 && lines[0] === "") {
    lines.shift();
  }
  return lines;
}

/** Escapes text for a JSDoc block: `*\/` would end the comment early. */
export function escapeJsDoc(text: string): string {
  return text.replaceAll("\u0000", "").replace(/\*\//g, "*\\/");
}

/** Joins paragraphs (arrays of lines) with an empty line between non-empty ones. */
export function paragraphs(...parts: (readonly string[])[]): string[] {
  const out: string[] = [];
  for (const part of parts) {
    if (part.length === 0) {
      continue;
    }
    if (out.length > 0) {
      out.push("");
    }
    out.push(...part);
  }
  return out;
}

/** Inline text of a field comment for an `@param` line: the first paragraph on one line. */
export function inlineComment(comment: string): string {
  const lines = commentLines(comment);
  const end = lines.indexOf("");
  return (end < 0 ? lines : lines.slice(0, end)).join(" ").trim();
}
