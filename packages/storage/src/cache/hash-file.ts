import { sha256File } from "@arcade/archive";

/** Lowercase hex SHA-256 of a file, streamed; null when the file does not exist. */
export async function sha256OfFile(path: string): Promise<string | null> {
  try {
    return (await sha256File(path)).sha256;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR") return null;
    throw error;
  }
}
