import { Writable } from "node:stream";
import type { EntrySink } from "./scan-archive.js";

/** Reads every entry in full (so the guard checks it) and keeps nothing. */
export const discardSink: EntrySink = {
  directory: async () => {},
  file: async () =>
    new Writable({
      write(_chunk, _encoding, callback) {
        callback();
      },
    }),
};
