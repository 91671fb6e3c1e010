// Picks the TextSource for `dataset.name`: a local file by extension, a URL to a file, or a Hub dataset.
import { asyncBufferFromUrl, cachedAsyncBuffer } from "hyparquet";
import type { DatasetConfig } from "../core/config/types.ts";
import { InputError } from "../core/errors.ts";
import { CsvSource, JsonlSource, type OpenBytes, TextLinesSource } from "../core/source/delimited_source.ts";
import { openHubDataset } from "../core/source/hf_dataset.ts";
import { ParquetSource } from "../core/source/parquet_source.ts";
import type { TextSource } from "../core/source/text_source.ts";
import { asyncBufferFromPath } from "./file_buffer.ts";

const FORMATS = ["parquet", "csv", "jsonl", "json", "ndjson", "txt"] as const;

function formatOf(name: string): (typeof FORMATS)[number] | undefined {
  const ext = name.toLowerCase().split("?")[0].match(/\.([a-z]+)$/)?.[1];
  return FORMATS.find((f) => f === ext);
}

export async function openTextSource(
  dataset: DatasetConfig,
  options: {
    env?: (name: string) => string | undefined;
    fetch?: typeof fetch;
    /** Make a text format's checking pass now (default), or leave it to the first count() or read(). */
    check?: boolean;
  } = {},
): Promise<TextSource> {
  const env = options.env ?? ((k: string) => Deno.env.get(k));
  const names = { text: dataset.text_column, index: dataset.index_column };
  const name = dataset.name;
  const format = formatOf(name);
  const isUrl = /^https?:\/\//.test(name);
  const looksLocal = format !== undefined || name.startsWith(".") || name.startsWith("/") || name.includes("\\");
  if (isUrl && format) {
    if (format !== "parquet") return await streamed(format, name, urlBytes(name, options.fetch), names, options.check);
    return ParquetSource.open(name, [cachedAsyncBuffer(await asyncBufferFromUrl({ url: name, fetch: options.fetch }))], names);
  }
  if (!isUrl && looksLocal) {
    try {
      const stat = await Deno.stat(name);
      if (!stat.isFile) throw new InputError(`${name}: not a file`);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) throw new InputError(`${name}: dataset file not found`);
      throw e;
    }
    if (!format) throw new InputError(`${name}: unknown dataset format; use .parquet, .csv, .jsonl or .txt`);
    if (format === "parquet") return ParquetSource.open(name, [await asyncBufferFromPath(name)], names);
    return await streamed(format, name, () => Deno.open(name).then((f) => f.readable), names, options.check);
  }
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(name)) {
    throw new InputError(`dataset.name "${name}" is neither a file nor a Hugging Face dataset name (owner/name)`);
  }
  return openHubDataset(name, dataset.subset ?? "default", dataset.split, names, {
    endpoint: env("HF_ENDPOINT"),
    token: env("HF_TOKEN"),
    tokenHosts: env("HF_TOKEN_HOSTS"),
    fetch: options.fetch,
  });
}

/** A text format read line by line; its checking pass runs now (unless `check` is false), so bad input is
 * reported before any work. */
async function streamed(
  format: string,
  label: string,
  open: OpenBytes,
  names: { text: string; index: string },
  check = true,
): Promise<TextSource> {
  const source = format === "csv"
    ? new CsvSource(label, open, names)
    : format === "txt"
    ? new TextLinesSource(label, open, names)
    : new JsonlSource(label, open, names);
  if (check) await source.count();
  return source;
}

/** The body of `url`, fetched afresh for each pass. */
function urlBytes(url: string, f = fetch): OpenBytes {
  return async () => {
    let res: Response;
    try {
      res = await f(url);
    } catch (e) {
      throw new InputError(`${url}: cannot fetch the dataset: ${(e as Error).message}`);
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new InputError(`${url}: HTTP ${res.status}`);
    }
    return res.body;
  };
}
