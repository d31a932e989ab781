/**
 * The runnable part of a Markdown walk-through: its fenced `sh` blocks, in order, each with the
 * directive of an HTML comment right above it (see README.md in this folder).
 */

export type BlockMode =
  /** Run in the reader's terminal; the walk-through goes on when it ends (exit 0 required). */
  | { kind: "run" }
  /** Runs on in a terminal of its own (e.g. `npm start`); the walk-through goes on at once. */
  | { kind: "background"; terminal: string }
  /** Not run; reported as skipped, with the reason. */
  | { kind: "illustrative"; reason: string };

export interface ShBlock {
  /** Markdown file, as given. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The heading the block is under, e.g. "Try it with curl". */
  section: string;
  text: string;
  mode: BlockMode;
}

export class WalkthroughDocError extends Error {
  override readonly name = "WalkthroughDocError";
}

const FENCE = /^( {0,3})(`{3,}|~{3,})\s*([^\s`]*)/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const DIRECTIVE = /^\s*<!--\s*walkthrough:\s*(.*?)\s*-->\s*$/;
const TERMINAL_NAME = /^[a-z][a-z0-9-]*$/;

interface Heading {
  level: number;
  text: string;
  line: number;
}

/**
 * Every `sh` block of the sections named, in document order. A section is a heading's text and
 * runs to the next heading of the same or a higher level. A section that is not there, or a
 * directive that is not understood, is an error: a renamed heading or a typo must not make
 * blocks silently disappear from the test.
 */
export function extractBlocks(file: string, markdown: string, sections?: readonly string[]): ShBlock[] {
  const lines = markdown.split("\n");
  const headings: Heading[] = [];
  const blocks: Omit<ShBlock, "section">[] = [];
  let fence: { marker: string; info: string; start: number; body: string[] } | null = null;
  let pending: { mode: BlockMode; line: number } | null = null;

  for (const [index, raw] of lines.entries()) {
    const lineNo = index + 1;
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(raw);
      if (close?.[1] && close[1][0] === fence.marker[0] && close[1].length >= fence.marker.length) {
        if (fence.info === "sh") {
          blocks.push({
            file,
            line: fence.start,
            text: `${fence.body.join("\n")}\n`,
            mode: pending?.mode ?? { kind: "run" },
          });
        } else if (pending) {
          throw new WalkthroughDocError(
            `${file}:${pending.line}: a walkthrough directive must stand right above a \`\`\`sh block (the block below is \`\`\`${fence.info || "(no language)"})`,
          );
        }
        pending = null;
        fence = null;
      } else {
        fence.body.push(raw);
      }
      continue;
    }
    const open = FENCE.exec(raw);
    if (open?.[2]) {
      fence = { marker: open[2], info: (open[3] ?? "").toLowerCase(), start: lineNo, body: [] };
      continue;
    }
    const directive = DIRECTIVE.exec(raw);
    if (directive) {
      pending = { mode: parseDirective(file, lineNo, directive[1] ?? ""), line: lineNo };
      continue;
    }
    if (raw.trim() === "") continue;
    if (pending) {
      throw new WalkthroughDocError(
        `${file}:${pending.line}: a walkthrough directive must stand right above a \`\`\`sh block (only blank lines between)`,
      );
    }
    const heading = HEADING.exec(raw);
    if (heading?.[1]) headings.push({ level: heading[1].length, text: heading[2] ?? "", line: lineNo });
  }
  if (fence) throw new WalkthroughDocError(`${file}:${fence.start}: the code block is never closed`);

  const sectionOf = (line: number) => [...headings].reverse().find((h) => h.line < line)?.text ?? "";
  const all = blocks.map((b) => ({ ...b, section: sectionOf(b.line) }));
  if (sections === undefined) return all;

  const chosen: ShBlock[] = [];
  for (const name of sections) {
    const start = headings.findIndex((h) => h.text === name);
    const heading = headings[start];
    if (!heading) {
      throw new WalkthroughDocError(
        `${file}: no heading "${name}" (headings: ${headings.map((h) => `"${h.text}"`).join(", ")})`,
      );
    }
    const end =
      headings.slice(start + 1).find((h) => h.level <= heading.level)?.line ?? Number.POSITIVE_INFINITY;
    chosen.push(...all.filter((b) => b.line > heading.line && b.line < end));
  }
  return chosen.sort((a, b) => a.line - b.line);
}

function parseDirective(file: string, line: number, text: string): BlockMode {
  const [word, ...rest] = text.split(/\s+/);
  const argument = rest.join(" ").trim();
  if (word === "illustrative") {
    if (argument === "") {
      throw new WalkthroughDocError(`${file}:${line}: "walkthrough: illustrative" needs a reason after it`);
    }
    return { kind: "illustrative", reason: argument };
  }
  if (word === "background") {
    if (!TERMINAL_NAME.test(argument)) {
      throw new WalkthroughDocError(
        `${file}:${line}: "walkthrough: background" needs a terminal name like "platform" (got "${argument}")`,
      );
    }
    return { kind: "background", terminal: argument };
  }
  throw new WalkthroughDocError(
    `${file}:${line}: unknown walkthrough directive "${text}" (known: background <terminal>, illustrative <reason>)`,
  );
}
