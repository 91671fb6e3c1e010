// A Hugging Face dataset split, read through the Hub's parquet conversion by HTTP range requests (never whole).
import { asyncBufferFromUrl, cachedAsyncBuffer } from "hyparquet";
import { InputError } from "../errors.ts";
import { redactUrl } from "../redact.ts";
import { ParquetSource } from "./parquet_source.ts";
import type { ColumnNames } from "./rows.ts";

export interface HubOptions {
  /** HF_ENDPOINT; default the public Hub. */
  endpoint?: string;
  /** HF_TOKEN; sent as a bearer token, never put in messages. */
  token?: string;
  /**
   * HF_TOKEN_HOSTS: further hosts (host or host:port, comma-separated) the token may go to. By default it goes
   * only to the endpoint's own scheme, host and port, never to another host a listing names.
   */
  tokenHosts?: string;
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
    throw new InputError(`${label}: cannot reach ${redactUrl(endpoint)}: ${redactUrl((e as Error).message)}`);
  }
  if (res.status === 401 || res.status === 403) {
    await res.body?.cancel();
    throw new InputError(`${label}: access denied (HTTP ${res.status}); set HF_TOKEN for private or gated datasets`);
  }
  if (res.status === 404) {
    await res.body?.cancel();
    throw new InputError(`${label}: not found on ${redactUrl(endpoint)} (check dataset.name, dataset.subset and dataset.split)`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new InputError(`${label}: the Hub answered HTTP ${res.status} for the parquet listing`);
  }
  const urls = await res.json().catch(() => undefined);
  if (!Array.isArray(urls) || urls.some((u) => typeof u !== "string")) {
    throw new InputError(`${label}: unexpected parquet listing from ${redactUrl(endpoint)}`);
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
  const trusted = tokenGoesTo(options.endpoint || DEFAULT_HF_ENDPOINT, options.tokenHosts);
  const files = await Promise.all(urls.map(async (url, i) => {
    const requestInit = { headers: trusted(url) ? authHeaders(options.token) : {} };
    try {
      return cachedAsyncBuffer(await asyncBufferFromUrl({ url, requestInit, fetch: options.fetch }));
    } catch (e) {
      throw new InputError(`${label}: parquet file ${i + 1} of ${urls.length}: ${redactUrl((e as Error).message)}`);
    }
  }));
  return ParquetSource.open(label, files, names);
}

/** Whether a URL from a listing may receive the token: the endpoint's origin, or a host the user allowed. */
export function tokenGoesTo(endpoint: string, allowed = ""): (url: string) => boolean {
  const origin = originOf(endpoint);
  const hosts = new Set(allowed.split(",").map((h) => h.trim().toLowerCase()).filter(Boolean));
  return (url) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return false;
    }
    return u.origin === origin || (u.protocol === "https:" && (hosts.has(u.host) || hosts.has(u.hostname))) ||
      (u.protocol === "http:" && hosts.has(u.host));
  };
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

function authHeaders(token?: string): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}
