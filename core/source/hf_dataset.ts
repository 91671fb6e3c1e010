// A Hugging Face dataset split, read through the Hub's parquet conversion by HTTP range requests (never whole).
import { asyncBufferFromUrl, cachedAsyncBuffer } from "hyparquet";
import { InputError } from "../errors.ts";
import { ParquetSource } from "./parquet_source.ts";
import type { ColumnNames } from "./rows.ts";

export interface HubOptions {
  /** HF_ENDPOINT; default the public Hub. */
  endpoint?: string;
  /** HF_TOKEN; sent as a bearer token, never put in messages. */
  token?: string;
  fetch?: typeof globalThis.fetch;
}

export const DEFAULT_HF_ENDPOINT = "https://huggingface.co";

/** The parquet files of `name`/`subset`/`split`, from the Hub's listing API. */
export async function listHubParquet(name: string, subset: string, split: string, options: HubOptions = {}): Promise<string[]> {
  const endpoint = (options.endpoint || DEFAULT_HF_ENDPOINT).replace(/\/+$/, "");
  const fetch = options.fetch ?? globalThis.fetch;
  const url = `${endpoint}/api/datasets/${name}/parquet/${encodeURIComponent(subset)}/${encodeURIComponent(split)}`;
  const label = `hf:${name} (subset ${subset}, split ${split})`;
  let res: Response;
  try {
    res = await fetch(url, { headers: authHeaders(options.token) });
  } catch (e) {
    throw new InputError(`${label}: cannot reach ${endpoint}: ${(e as Error).message}`);
  }
  if (res.status === 401 || res.status === 403) {
    await res.body?.cancel();
    throw new InputError(`${label}: access denied (HTTP ${res.status}); set HF_TOKEN for private or gated datasets`);
  }
  if (res.status === 404) {
    await res.body?.cancel();
    throw new InputError(`${label}: not found on ${endpoint} (check dataset.name, dataset.subset and dataset.split)`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new InputError(`${label}: the Hub answered HTTP ${res.status} for the parquet listing`);
  }
  const urls = await res.json().catch(() => undefined);
  if (!Array.isArray(urls) || urls.some((u) => typeof u !== "string")) {
    throw new InputError(`${label}: unexpected parquet listing from ${endpoint}`);
  }
  if (urls.length === 0) throw new InputError(`${label}: the split has no parquet files`);
  return urls as string[];
}

export async function openHubDataset(
  name: string,
  subset: string,
  split: string,
  names: ColumnNames,
  options: HubOptions = {},
): Promise<ParquetSource> {
  const label = `hf:${name}/${split}`;
  const urls = await listHubParquet(name, subset, split, options);
  const requestInit = { headers: authHeaders(options.token) };
  const files = await Promise.all(urls.map(async (url, i) => {
    try {
      return cachedAsyncBuffer(await asyncBufferFromUrl({ url, requestInit, fetch: options.fetch }));
    } catch (e) {
      throw new InputError(`${label}: parquet file ${i + 1} of ${urls.length}: ${(e as Error).message}`);
    }
  }));
  return ParquetSource.open(label, files, names);
}

function authHeaders(token?: string): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}
