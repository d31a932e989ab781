import { AppError, parseByteQuantity } from "@arcade/core";

/** Below this V8 cannot even start a thread reliably, whatever the manifest asks for. */
export const MIN_HEAP_MB = 16;

export interface MemoryLimitOptions {
  /** Used when the manifest names no memory. */
  defaultMb: number;
  /** No plugin gets more than this, whatever it asks for. */
  maxMb: number;
}

/**
 * Turns `manifest.resources.memory` (a Kubernetes-style quantity such as `128Mi`,
 * `1Gi`, `500M`, or plain bytes) into the worker's old-generation heap limit in MiB.
 */
export function memoryLimitMb(quantity: string | undefined, options: MemoryLimitOptions): number {
  if (quantity === undefined) return clamp(options.defaultMb, options.maxMb);
  const bytes = parseByteQuantity(quantity);
  if (bytes === null) {
    throw new AppError("PLUGIN_LOAD_FAILED", `resources.memory "${quantity}" is not a memory quantity`, {
      detail: "Use a quantity such as 128Mi, 1Gi or 500M.",
    });
  }
  const mb = Math.ceil(bytes / 2 ** 20);
  return clamp(mb, options.maxMb);
}

function clamp(mb: number, maxMb: number): number {
  return Math.max(MIN_HEAP_MB, Math.min(mb, maxMb));
}
