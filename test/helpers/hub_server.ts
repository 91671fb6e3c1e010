// A stand-in for the Hugging Face Hub on 127.0.0.1, speaking its real URL shapes:
//   GET /api/datasets/{owner}/{name}/parquet/{subset}/{split}  -> JSON list of file URLs
//   GET /api/datasets/{owner}/{name}/parquet/{subset}/{split}/{n}.parquet -> 302 to the resolve URL
//   GET|HEAD /datasets/{repo}/resolve/refs%2Fconvert%2Fparquet/{subset}/{split}/{file} (Range supported)
//   GET|HEAD /{repo}/resolve/{revision}/{path} (model files, Range supported)
// Records every request so tests can check headers (tokens) and that ranges were used.

export interface HubDataset {
  repo: string;
  subset: string;
  split: string;
  files: Uint8Array[];
}

export interface HubRequest {
  method: string;
  path: string;
  range?: string;
  authorization?: string;
}

export interface HubServer {
  url: string;
  requests: HubRequest[];
  /** When set, requests without this bearer token get 401. */
  requireToken?: string;
  close(): Promise<void>;
}

export function startHubServer(
  options: { datasets?: HubDataset[]; models?: Record<string, Record<string, Uint8Array>>; requireToken?: string } = {},
): Promise<HubServer> {
  const requests: HubRequest[] = [];
  const datasets = options.datasets ?? [];
  const models = options.models ?? {};
  let base = "";
  const state: HubServer = { url: "", requests, requireToken: options.requireToken, close: async () => {} };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    const path = decodeURIComponent(url.pathname);
    const rec: HubRequest = {
      method: req.method,
      path,
      range: req.headers.get("range") ?? undefined,
      authorization: req.headers.get("authorization") ?? undefined,
    };
    requests.push(rec);
    if (state.requireToken && rec.authorization !== `Bearer ${state.requireToken}`) {
      return new Response("unauthorized", { status: 401 });
    }
    let m = path.match(/^\/api\/datasets\/(.+)\/parquet\/([^/]+)\/([^/]+)$/);
    if (m) {
      const ds = datasets.find((d) => d.repo === m![1] && d.subset === m![2] && d.split === m![3]);
      if (!ds) return new Response(`{"error":"not found"}`, { status: 404 });
      return Response.json(ds.files.map((_, i) => `${base}/api/datasets/${ds.repo}/parquet/${ds.subset}/${ds.split}/${i}.parquet`));
    }
    m = path.match(/^\/api\/datasets\/(.+)\/parquet\/([^/]+)\/([^/]+)\/(\d+)\.parquet$/);
    if (m) {
      const n = String(Number(m[4])).padStart(4, "0");
      return Response.redirect(
        `${base}/datasets/${m[1]}/resolve/${encodeURIComponent("refs/convert/parquet")}/${m[2]}/${m[3]}/${n}.parquet`,
        302,
      );
    }
    m = path.match(/^\/datasets\/(.+)\/resolve\/refs\/convert\/parquet\/([^/]+)\/([^/]+)\/(\d+)\.parquet$/);
    if (m) {
      const ds = datasets.find((d) => d.repo === m![1] && d.subset === m![2] && d.split === m![3]);
      const file = ds?.files[Number(m[4])];
      return file ? serveBytes(req, file) : new Response("not found", { status: 404 });
    }
    m = path.match(/^\/(.+?\/.+?)\/resolve\/([^/]+)\/(.+)$/);
    if (m) {
      const file = models[m[1]]?.[m[3]];
      return file ? serveBytes(req, file) : new Response("Entry not found", { status: 404 });
    }
    return new Response("not found", { status: 404 });
  });
  const addr = server.addr as Deno.NetAddr;
  base = `http://127.0.0.1:${addr.port}`;
  state.url = base;
  state.close = () => server.shutdown();
  return Promise.resolve(state);
}

function serveBytes(req: Request, data: Uint8Array): Response {
  const headers = new Headers({ "Accept-Ranges": "bytes", "Content-Type": "application/octet-stream" });
  const range = req.headers.get("range")?.match(/^bytes=(\d+)-(\d*)$/);
  if (req.method === "HEAD") {
    headers.set("Content-Length", String(data.length));
    return new Response(null, { headers });
  }
  if (range) {
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), data.length - 1) : data.length - 1;
    if (start >= data.length) return new Response(null, { status: 416 });
    headers.set("Content-Range", `bytes ${start}-${end}/${data.length}`);
    return new Response(data.slice(start, end + 1), { status: 206, headers });
  }
  return new Response(data.slice(), { headers });
}
