import { AppError } from "@arcade/core";
import type { Context } from "hono";

/**
 * Reads a JSON body with a byte limit enforced while reading. An empty body
 * is `undefined`; anything that is not JSON is MALFORMED_JSON (400).
 */
export async function readJsonBody(c: Context, maxBytes: number): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  const body = c.req.raw.body;
  if (!body) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new AppError("PAYLOAD_TOO_LARGE", `the JSON body is larger than ${maxBytes} bytes`);
    }
    chunks.push(Buffer.from(value));
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return undefined;
  if (type && !/^application\/([a-z0-9.+-]+\+)?json\b/i.test(type)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", `expected application/json, got ${type.slice(0, 100)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError("MALFORMED_JSON", `the body is not valid JSON: ${(error as Error).message}`);
  }
}

export function asObject(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new AppError("VALIDATION_FAILED", `${what} must be a JSON object`, {
      errors: [{ path: "", message: "must be object" }],
    });
  }
  return value as Record<string, unknown>;
}
