import yauzl from "yauzl";

export interface ZipEntryData {
  name: string;
  data: Buffer;
  mode: number;
  lastModified: Date;
}

/** Every entry of a zip, in archive order, with its content (tests only: reads it all into memory). */
export function readZip(file: string): Promise<ZipEntryData[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (openError, zip) => {
      if (openError || !zip) return reject(openError ?? new Error("cannot open zip"));
      const entries: ZipEntryData[] = [];
      zip.on("error", reject);
      zip.on("end", () => resolve(entries));
      zip.on("entry", (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError ?? new Error("cannot read entry"));
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("error", reject);
          stream.on("end", () => {
            entries.push({
              name: entry.fileName,
              data: Buffer.concat(chunks),
              mode: (entry.externalFileAttributes >>> 16) & 0xffff,
              lastModified: entry.getLastModDate(),
            });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}
