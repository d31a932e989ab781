import { readFile } from "node:fs/promises";

export interface LoadedLine {
  pluginId: string;
  version: string;
  /** Epoch ms of the log record. */
  time: number;
}

/**
 * Every "plugin loaded" record of a node's log (pino JSON lines): the moment the node switched
 * new calls to that version. Read after the fact, so measuring adds no polling load.
 */
export async function loadedLines(logFile: string): Promise<LoadedLine[]> {
  const text = await readFile(logFile, "utf8").catch(() => "");
  const out: LoadedLine[] = [];
  for (const line of text.split("\n")) {
    if (!line.includes('"msg":"plugin loaded"')) continue;
    try {
      const record = JSON.parse(line) as { pluginId?: string; version?: string; time?: string | number };
      if (!record.pluginId || !record.version || record.time === undefined) continue;
      const time = typeof record.time === "number" ? record.time : Date.parse(record.time);
      out.push({ pluginId: record.pluginId, version: record.version, time });
    } catch {
      // a line cut by a crash; not ours to judge here
    }
  }
  return out;
}

/**
 * For each node log: when it loaded `pluginId`@`version` (first time, epoch ms), or undefined
 * when it never did.
 */
export async function loadTimes(
  logFiles: string[],
  pluginId: string,
  version: string,
): Promise<(number | undefined)[]> {
  return Promise.all(
    logFiles.map(async (file) => {
      const hit = (await loadedLines(file)).find((l) => l.pluginId === pluginId && l.version === version);
      return hit?.time;
    }),
  );
}

/** Index of every node log once: pluginId@version -> load time per node. */
export async function loadIndex(logFiles: string[]): Promise<Map<string, (number | undefined)[]>> {
  const index = new Map<string, (number | undefined)[]>();
  const perNode = await Promise.all(logFiles.map((f) => loadedLines(f)));
  perNode.forEach((lines, node) => {
    for (const l of lines) {
      const key = `${l.pluginId}@${l.version}`;
      const times = index.get(key) ?? new Array<number | undefined>(logFiles.length).fill(undefined);
      if (times[node] === undefined) times[node] = l.time;
      index.set(key, times);
    }
  });
  return index;
}
