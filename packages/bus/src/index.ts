export { type BusNames, busNames, DEFAULT_PREFIX } from "./channels.js";
export type { RedisSource } from "./connection.js";
export {
  type DecodeResult,
  decodeEvent,
  encodeEvent,
  PLUGIN_EVENT_OPS,
  validateEvent,
} from "./event-codec.js";
export { EventSubscriber, type EventSubscriberOptions } from "./event-subscriber.js";
export { decodeJobEvent, encodeJobEvent } from "./job-event-codec.js";
export {
  type JobEventEntry,
  JobEventReader,
  type JobEventReaderOptions,
  STREAM_START,
} from "./job-event-reader.js";
export { RedisJobEventSink, type RedisJobEventSinkOptions } from "./job-event-sink.js";
export { consoleLogger } from "./logger.js";
export { MessageSigner, type SignedKind } from "./message-signer.js";
export type { NodeHeartbeat, NodeInfo } from "./node-info.js";
export {
  type HeartbeatOptions,
  NodeRegistry,
  type NodeRegistryOptions,
  type WaitForRevisionOptions,
} from "./node-registry.js";
export { RedisEventBus, type RedisEventBusOptions } from "./redis-event-bus.js";
export { type RevisionExpectation, type RevisionProgress, RevisionTally } from "./revision-tally.js";
export {
  compareStreamIds,
  STREAM_ID,
  type StreamEntry,
  StreamFeed,
  type StreamFeedOptions,
  type StreamFollow,
} from "./stream-feed.js";
