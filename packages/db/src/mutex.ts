import { Mutex } from "@arcade/core";

const fileMutexes = new Map<string, Mutex>();

/**
 * One lock per SQLite file for the whole process. better-sqlite3 blocks the event loop while
 * it waits for a busy database, so two connections of one process must never wait on each
 * other through SQLite itself: they queue here instead.
 */
export function mutexForFile(absolutePath: string): Mutex {
  let mutex = fileMutexes.get(absolutePath);
  if (mutex === undefined) {
    mutex = new Mutex();
    fileMutexes.set(absolutePath, mutex);
  }
  return mutex;
}
