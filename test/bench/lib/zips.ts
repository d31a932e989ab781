import { buildPluginZip, type PluginZipOptions } from "../../harness/index.js";

/** A valid plugin zip of about `bytes` bytes (random, stored padding makes up the size). */
export async function zipOfSize(options: PluginZipOptions, bytes: number): Promise<Buffer> {
  const bare = await buildPluginZip({ ...options, paddingBytes: 0 });
  // padding.bin costs its bytes plus a local header and a central directory entry (~100 bytes).
  const padding = Math.max(0, bytes - bare.length - 100);
  return buildPluginZip({ ...options, paddingBytes: padding });
}
