/** The BullMQ queue of plugin jobs (its keys: `<redis.key_prefix>:plugin-ops:*`). */
export const QUEUE_NAME = "plugin-ops";
