import { SingleBar } from "cli-progress";
import { humanSize } from "../output/format.js";
import type { Output } from "../output/output.js";

export interface UploadProgress {
  update(sent: number): void;
  stop(): void;
}

/**
 * A bar of bytes sent, on stderr. Drawn on a terminal (or when forced); in
 * --json mode and in logs it would only be noise, so it is silent there.
 */
export function uploadProgress(out: Output, label: string, total: number, force = false): UploadProgress {
  const tty = out.stderr.isTTY === true;
  if (!force && (out.json || !tty)) return { update() {}, stop() {} };
  const bar = new SingleBar({
    stream: out.stderr,
    format: `${label} [{bar}] {percentage}% | {sent} / {size}`,
    barCompleteChar: "█",
    barIncompleteChar: "░",
    hideCursor: tty,
    noTTYOutput: !tty,
    fps: 10,
  });
  bar.start(total, 0, { sent: humanSize(0), size: humanSize(total) });
  return {
    update(sent) {
      bar.update(sent, { sent: humanSize(sent) });
    },
    stop() {
      bar.stop();
    },
  };
}
