/** What the Unix mode in an entry's external attributes says it is. */
export type UnixFileType = "none" | "file" | "directory" | "symlink" | "special";

const S_IFMT = 0o170000;

export function unixFileType(externalFileAttributes: number): UnixFileType {
  // The high 16 bits hold st_mode when the archive was made on Unix; other hosts
  // leave them 0. They are checked whatever the host: a symlink is a symlink.
  switch (((externalFileAttributes >>> 16) & S_IFMT) >>> 0) {
    case 0:
      return "none";
    case 0o100000:
      return "file";
    case 0o040000:
      return "directory";
    case 0o120000:
      return "symlink";
    default:
      return "special"; // fifo, socket, block or character device
  }
}
