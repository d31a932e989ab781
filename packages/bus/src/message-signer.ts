import { createHmac, timingSafeEqual } from "node:crypto";

/** What a signed message is about: the MAC of one kind can never pass as the other. */
export type SignedKind = "plugin-event" | "heartbeat" | "node-ack";

const MAC_BYTES = 32;

/**
 * HMAC-SHA256 over the cluster secret (cluster.secret) for the messages any Redis client could
 * otherwise forge: reload events, heartbeats and node acknowledgements. A signed message is
 * `{"mac":"<base64url>","payload":"<the JSON as a string>"}`: the MAC covers the exact bytes
 * of the payload (no canonical form to get wrong), the kind and the key prefix (a message of
 * one installation cannot be replayed into another that shares the secret).
 *
 * Without a secret nothing is signed and every payload is taken as it is, as before; with
 * one, an unsigned or wrongly signed message is refused (open() answers null).
 */
export class MessageSigner {
  private readonly key: Buffer | null;

  constructor(
    secret: string | undefined,
    private readonly prefix: string,
  ) {
    this.key = secret ? Buffer.from(secret, "utf8") : null;
  }

  get signs(): boolean {
    return this.key !== null;
  }

  /** The wire form of `payload` (a JSON text). */
  seal(kind: SignedKind, payload: string): string {
    if (!this.key) return payload;
    return JSON.stringify({ mac: this.mac(this.key, kind, payload).toString("base64url"), payload });
  }

  /** The payload of a message that passes the check, or null. */
  open(kind: SignedKind, message: string): string | null {
    let value: unknown;
    try {
      value = JSON.parse(message);
    } catch {
      return this.key ? null : message;
    }
    const envelope = value as { mac?: unknown; payload?: unknown } | null;
    const isEnvelope =
      typeof envelope === "object" &&
      envelope !== null &&
      typeof envelope.mac === "string" &&
      typeof envelope.payload === "string";
    if (!this.key) return isEnvelope ? (envelope.payload as string) : message;
    if (!isEnvelope) return null;
    const given = Buffer.from(envelope.mac as string, "base64url");
    const expected = this.mac(this.key, kind, envelope.payload as string);
    if (given.length !== MAC_BYTES || !timingSafeEqual(given, expected)) return null;
    return envelope.payload as string;
  }

  private mac(key: Buffer, kind: SignedKind, payload: string): Buffer {
    return createHmac("sha256", key).update(`arcade:${kind}:${this.prefix}\n`).update(payload).digest();
  }
}
