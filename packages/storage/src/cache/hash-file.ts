import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/** Lowercase hex SHA-256 of a file, streamed; null when the file does not exist. */
export async function sha256OfFile(path: string): Promise<string | null> {
  const hash = createHash("sha256");
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR") return null;
    throw error;
  }
  return hash.digest("hex");
}
