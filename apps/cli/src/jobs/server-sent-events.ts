/** One Server-Sent Event as received: `event:` (default "message"), `data:` lines joined, `id:`. */
export interface ServerSentEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * The events of a text/event-stream body, in order, as they arrive (comments and `retry:` are
 * skipped). Ends when the body ends; `onBytes` hears every chunk (keep-alives too), for idle timers.
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  onBytes: () => void = () => {},
): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  let fields: { event?: string; data: string[]; id?: string } = { data: [] };
  for await (const chunk of body) {
    onBytes();
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.search(/\r\n|\r|\n/);
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
      newline = buffer.search(/\r\n|\r|\n/);
      if (line === "") {
        if (fields.data.length > 0) {
          yield {
            event: fields.event ?? "message",
            data: fields.data.join("\n"),
            ...(fields.id !== undefined ? { id: fields.id } : {}),
          };
        }
        fields = { data: [] };
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (name === "event") fields.event = value;
      else if (name === "data") fields.data.push(value);
      else if (name === "id") fields.id = value;
    }
  }
}
