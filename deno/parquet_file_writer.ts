// A hyparquet-writer sink that streams each finished row group to a file instead of growing one buffer, so
// writing a multi-gigabyte parquet file holds about one row group in memory.
import { ByteWriter } from "hyparquet-writer";

export class ParquetFileWriter extends ByteWriter {
  constructor(private file: Deno.FsFile) {
    super(1 << 20);
  }

  /** Called by the writer after each row group (and by finish): appends what is buffered. */
  async flush(): Promise<void> {
    let off = 0;
    const bytes = new Uint8Array(this.buffer, 0, this.index);
    while (off < bytes.length) off += await this.file.write(bytes.subarray(off));
    this.index = 0;
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}
