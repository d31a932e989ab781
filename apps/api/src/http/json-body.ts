import { AppError, checkJsonShape } from "@arcade/core";
import type { Context } from "hono";

/**
 * Bounds on a parsed body. JSON.parse itself copes with any nesting, but
 * JSON.stringify (storing the payload), ajv and structured clone recurse and
 * overflow the stack on a deep document: a 100 kB `[[[[...]]]]` would be a 500.
 */
const JSON_SHAPE_LIMITS = { maxDepth: 64, maxNodes: 1_000_000 };

const JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;

/**
 * Reads a JSON body with a byte limit enforced while reading. An empty body
 * (also one of only whitespace) is `undefined`, whatever its content type, so
 * `curl -X POST` and `curl -d ''` work; a non-empty body must be JSON (415
 * otherwise, before reading further), parse (MALFORMED_JSON) and stay within
 * JSON_SHAPE_LIMITS (VALIDATION_FAILED).
 */
export async function readJsonBody(c: Context, maxBytes: number): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  const isJson = type === "" || JSON_TYPE.test(type);
  const body = c.req.raw.body;
  if (!body) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        throw new AppError("PAYLOAD_TOO_LARGE", `the JSON body is larger than ${maxBytes} bytes`);
      }
      const chunk = Buffer.from(value);
      if (!isJson && chunk.toString("latin1").trim() !== "") throw unsupported(type);
      chunks.push(chunk);
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    if (error instanceof AppError) throw error;
    throw new AppError("BAD_REQUEST", "the request body could not be read (the upload was interrupted)");
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AppError("MALFORMED_JSON", `the body is not valid JSON: ${(error as Error).message}`);
  }
  const shape = checkJsonShape(value, JSON_SHAPE_LIMITS);
  if (shape) {
    throw new AppError("VALIDATION_FAILED", `the JSON body ${shape.message}`, { errors: [shape] });
  }
  return value;
}

function unsupported(type: string): AppError {
  return new AppError("UNSUPPORTED_MEDIA_TYPE", `expected application/json, got ${type.slice(0, 100)}`, {
    detail: "Send the body with Content-Type: application/json.",
  });
}
