import type { JobStreamEvent } from "@arcade/contracts";
import { expect } from "vitest";

/** One event of a job's stream as a client received it. */
export interface Received {
  id?: string;
  event: JobStreamEvent;
}

/** Reads an event stream to its end (or until `stopAfter` events), as a browser's EventSource would. */
export async function readStream(
  res: Response,
  stopAfter = Number.POSITIVE_INFINITY,
): Promise<{ events: Received[]; closed: boolean }> {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: Received[] = [];
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { events, closed: true };
    buffer += decoder.decode(value, { stream: true });
    for (let cut = buffer.indexOf("\n\n"); cut >= 0; cut = buffer.indexOf("\n\n")) {
      const lines = buffer.slice(0, cut).split("\n");
      buffer = buffer.slice(cut + 2);
      const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
      const data = field("data");
      if (data === undefined) continue; // a keep-alive comment
      const id = field("id");
      const event = JSON.parse(data) as JobStreamEvent;
      expect(field("event")).toBe(event.type);
      events.push({ ...(id ? { id } : {}), event });
      if (events.length >= stopAfter) {
        await reader.cancel();
        return { events, closed: false };
      }
    }
  }
}
