// A small HTTP layer on node:http: JSON bodies with a size limit, routes by method and path
// pattern, typed refusals turned into `{ error, message }` with their status. node:http rather
// than a framework: the API has six routes, and the submit path is the sequencer's hot path.

import http from "node:http";
import { RequestRejectedError, badRequest } from "../errors.js";

/** A parsed request as handlers see it. */
export interface ApiRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The decoded JSON body (POST only). */
  body: unknown;
}

/** What a handler answers. */
export interface ApiResponse {
  status: number;
  body: unknown;
}

export type Handler = (req: ApiRequest) => ApiResponse | Promise<ApiResponse>;

interface Route { method: string; pattern: RegExp; keys: string[]; handler: Handler }

/** Largest accepted body: a signed transaction is about 400 bytes of JSON. */
export const MAX_BODY_BYTES = 8 * 1024;

/** Routes `METHOD /path/:param` to handlers. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: Handler): this {
    const keys: string[] = [];
    const pattern = new RegExp("^" + path.replace(/:([a-zA-Z]+)/g, (_, k: string) => { keys.push(k); return "([^/]+)"; }) + "/?$");
    this.routes.push({ method, pattern, keys, handler });
    return this;
  }

  /** The handler and path parameters of a request, or the status that refuses it (404, 405). */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } | number {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method) continue;
      return { handler: r.handler, params: Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])])) };
    }
    return pathMatched ? 405 : 404;
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: http.ServerResponse, e: RequestRejectedError): void {
  send(res, e.status, { error: e.code, message: e.shortMessage });
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(new RequestRejectedError(413, "body_too_large", `body: at most ${MAX_BODY_BYTES} bytes expected, got ${declared}`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new RequestRejectedError(413, "body_too_large", `body: at most ${MAX_BODY_BYTES} bytes expected, got more`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** An HTTP server answering `router`'s routes. */
export function createHttpServer(router: Router, log: (l: string) => void): http.Server {
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://x");
      const method = req.method ?? "GET";
      const found = router.match(method, url.pathname);
      if (typeof found === "number") {
        sendError(res, new RequestRejectedError(found, "not_found", found === 404 ? `no route ${url.pathname}` : `method ${method} not allowed on ${url.pathname}`));
        return;
      }
      let body: unknown;
      if (method === "POST") {
        const type = String(req.headers["content-type"] ?? "");
        if (!/^application\/json\b/i.test(type)) {
          req.resume();
          throw new RequestRejectedError(415, "unsupported_media_type", `content-type: application/json expected, got ${JSON.stringify(type.slice(0, 60))}`);
        }
        const raw = await readBody(req);
        try {
          body = JSON.parse(raw.toString("utf8"));
        } catch (e) {
          throw badRequest("invalid_json", `body: JSON expected, ${(e as Error).message}`);
        }
      }
      const out = await found.handler({ method, path: url.pathname, params: found.params, query: url.searchParams, body });
      send(res, out.status, out.body);
    } catch (e) {
      if (e instanceof RequestRejectedError) {
        sendError(res, e);
        return;
      }
      log(`api: ${req.method} ${req.url}: ${(e as Error).stack ?? e}`);
      if (!res.headersSent) send(res, 500, { error: "internal", message: "internal error" });
    }
  });
  server.keepAliveTimeout = 30_000;
  return server;
}
