import type { PluginChangedEvent } from "@arcade/contracts";

export interface EventBus {
  publish(event: PluginChangedEvent): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
