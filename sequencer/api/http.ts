// A small HTTP layer on node:http: JSON bodies with a size limit, routes by method and path
// pattern, typed refusals turned into `{ error, message }` with their status, and, when given,
// the browser app's static files (./app-files.ts) under `/` and `/app/`. node:http rather than a
// framework: the API has a dozen routes, and the submit path is the sequencer's hot path.

import http from "node:http";
import type { Duplex } from "node:stream";
import { RequestRejectedError, badRequest } from "../errors.js";
import { ZkrError } from "../../core/errors.js";
import type { ErrorJson } from "./types.js";

/** A parsed request as handlers see it. */
export interface ApiRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The decoded JSON body (POST only). */
  body: unknown;
  /** The request's headers (lower-case names), e.g. `authorization`. */
  headers: http.IncomingHttpHeaders;
}

/** What a handler answers. */
export interface ApiResponse {
  status: number;
  body: unknown;
}

export type Handler = (req: ApiRequest) => ApiResponse | Promise<ApiResponse>;

interface Route { method: string; path: string; pattern: RegExp; keys: string[]; query: readonly string[]; handler: Handler }

/** A route as {@link Router.list} lists it: `path` as added (`/txs/:hash`), `params` its `:names`. */
export interface RouteInfo { method: string; path: string; params: readonly string[]; query: readonly string[] }

/** Largest accepted body: a signed transaction is about 400 bytes of JSON. */
export const MAX_BODY_BYTES = 8 * 1024;

/** Longest accepted request target (path and query): the longest real one, a lookup by key, has under 200. */
export const MAX_TARGET_LENGTH = 2048;

/** What RFC 3986 allows in a path: unreserved characters, sub-delims, ':', '@', '/' and %-escapes. */
const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/;
/** … and in a query, '?' too. */
const QUERY_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/;
/** A '%' that two hex digits do not follow. */
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/** Quotes a piece of the request for a message, cut short: the request is the client's, not ours to echo whole. */
const quote = (s: string) => JSON.stringify(s.length > 80 ? s.slice(0, 80) + "…" : s);

/** Decodes a %-encoded component. @throws RequestRejectedError (400) when the escapes are not UTF-8. */
function decode(s: string, code: "invalid_path" | "invalid_query", what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw badRequest(code, `${what}: %-escapes of UTF-8 expected, got ${quote(s)}`);
  }
}

/**
 * Splits a request target (`/path?query`, or the absolute form `http://host/path?query`) into its
 * path, still %-encoded, and its decoded query, where each parameter may appear once.
 * @throws RequestRejectedError: 414 uri_too_long, 400 invalid_path or invalid_query.
 */
export function parseTarget(target: string): { path: string; query: URLSearchParams } {
  if (target.length > MAX_TARGET_LENGTH) throw new RequestRejectedError(414, "uri_too_long", `request target: at most ${MAX_TARGET_LENGTH} characters expected, got ${target.length}`);
  const absolute = /^https?:\/\/[^/?#]*/i.exec(target);
  const origin = absolute ? target.slice(absolute[0].length) || "/" : target;
  const q = origin.indexOf("?");
  const path = q < 0 ? origin : origin.slice(0, q);
  const rawQuery = q < 0 ? "" : origin.slice(q + 1);
  if (!path.startsWith("/")) throw badRequest("invalid_path", `path: an absolute path ("/…") expected, got ${quote(path)}`);
  if (!PATH_CHARS.test(path)) throw badRequest("invalid_path", `path: URL characters and %-escapes only expected, got ${quote(path)}`);
  if (BAD_ESCAPE.test(path)) throw badRequest("invalid_path", `path: '%' and two hex digits expected, got ${quote(path)}`);
  if (!QUERY_CHARS.test(rawQuery)) throw badRequest("invalid_query", `query: URL characters and %-escapes only expected, got ${quote(rawQuery)}`);
  if (BAD_ESCAPE.test(rawQuery)) throw badRequest("invalid_query", `query: '%' and two hex digits expected, got ${quote(rawQuery)}`);
  const query = new URLSearchParams();
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = decode((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, " "), "invalid_query", "query parameter");
    const value = decode(eq < 0 ? "" : part.slice(eq + 1).replace(/\+/g, " "), "invalid_query", `query parameter ${quote(key)}`);
    if (query.has(key)) throw badRequest("invalid_query", `query: each parameter once expected, got ${quote(key)} more than once`);
    query.append(key, value);
  }
  return { path, query };
}

/** Routes `METHOD /path/:param` to handlers. */
export class Router {
  private readonly routes: Route[] = [];

  /** `query`: the parameters the route reads; any other is refused (400 invalid_query). */
  add(method: string, path: string, handler: Handler, query: readonly string[] = []): this {
    const keys: string[] = [];
    const pattern = new RegExp("^" + path.replace(/:([a-zA-Z]+)/g, (_, k: string) => { keys.push(k); return "([^/]+)"; }) + "/?$");
    this.routes.push({ method, path, pattern, keys, query, handler });
    return this;
  }

  /** Every route, in the order added (tests walk them all, so a new route cannot escape them). */
  list(): RouteInfo[] {
    return this.routes.map((r) => ({ method: r.method, path: r.path, params: [...r.keys], query: r.query }));
  }

  /**
   * The handler, decoded path parameters and accepted query parameters of a request, or the status
   * that refuses it: 404, or 405 with the methods the path allows.
   * @throws RequestRejectedError (400 invalid_path) for a parameter whose %-escapes are not UTF-8.
   */
  match(method: string, path: string): { handler: Handler; params: Record<string, string>; query: readonly string[] } | { status: 404 } | { status: 405; allow: string[] } {
    const allow: string[] = [];
    for (const r of this.routes) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      if (r.method !== method) {
        allow.push(r.method);
        continue;
      }
      return { handler: r.handler, params: Object.fromEntries(r.keys.map((k, i) => [k, decode(m[i + 1], "invalid_path", `path: ${k}`)])), query: r.query };
    }
    return allow.length > 0 ? { status: 405, allow } : { status: 404 };
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  // Handlers write the API's vocabulary themselves (./types.ts); a bigint that slips through is
  // still a decimal string, never a float.
  const text = JSON.stringify(body, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: http.ServerResponse, e: RequestRejectedError): void {
  const body: ErrorJson = { error: e.code, message: e.shortMessage, ...(e.data ? { data: e.data } : {}) };
  for (const [k, v] of Object.entries(e.headers ?? {})) res.setHeader(k, v);
  send(res, e.status, body);
}

/** The client went away before its request was complete: there is nobody to answer. */
class ClientGoneError extends ZkrError {
  override name = "ClientGoneError";
  constructor() {
    super("the client closed the connection before its request was complete");
  }
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
    req.on("error", () => reject(new ClientGoneError()));
    req.on("close", () => reject(new ClientGoneError())); // after "end", a no-op
  });
}

/** What serves paths besides the routes (the app's files): it answers the paths it `handles`, whole. */
export interface StaticFiles {
  handles(path: string): boolean;
  /** Answers a request (`path` still %-encoded). @throws RequestRejectedError for a refusal, answered as JSON. */
  serve(method: string, path: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
}

/** An HTTP server answering `router`'s routes, and `files`' paths when given. */
export function createHttpServer(router: Router, log: (l: string) => void, files?: StaticFiles): http.Server {
  /** The request being answered on a socket, if any. */
  const answering = new WeakMap<Duplex, { req: http.IncomingMessage; res: http.ServerResponse }>();
  const server = http.createServer(async (req, res) => {
    answering.set(req.socket, { req, res });
    res.once("close", () => { if (answering.get(req.socket)?.res === res) answering.delete(req.socket); });
    try {
      const method = req.method ?? "GET";
      const { path, query } = parseTarget(req.url ?? "/");
      if (files?.handles(path)) {
        await files.serve(method, path, req, res);
        return;
      }
      const found = router.match(method, path);
      if ("status" in found) {
        if (found.status === 404) throw new RequestRejectedError(404, "not_found", `no route ${quote(path)}`);
        res.setHeader("allow", found.allow.join(", "));
        throw new RequestRejectedError(405, "method_not_allowed", `method: ${found.allow.join(" or ")} expected on ${quote(path)}, got ${method}`);
      }
      for (const k of query.keys()) {
        if (!found.query.includes(k)) throw badRequest("invalid_query", `query: ${found.query.length > 0 ? `parameters ${found.query.join(", ")}` : "no parameters"} expected, got ${quote(k)}`);
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
      const out = await found.handler({ method, path, params: found.params, query, body, headers: req.headers });
      send(res, out.status, out.body);
    } catch (e) {
      if (e instanceof RequestRejectedError) {
        sendError(res, e);
        return;
      }
      if (e instanceof ClientGoneError) {
        if (!res.headersSent) res.destroy();
        return;
      }
      log(`api: ${req.method} ${quote(req.url ?? "")}: ${(e as Error).stack ?? e}`);
      if (!res.headersSent) send(res, 500, { error: "internal", message: "internal error" });
    }
  });
  // Requests node's parser refuses (a method it does not know, a malformed header or chunk,
  // headers over its limit, a body cut short, a CONNECT): the same JSON 4xx as every refusal, not
  // node's bare status line, and the connection closed. Through the response when one is under way.
  const refuseRaw = (socket: Duplex, status: number, error: string, message: string) => {
    const { req, res } = answering.get(socket) ?? {};
    if (req && res && !res.headersSent && socket.writable) {
      res.setHeader("connection", "close");
      res.once("finish", () => {
        socket.end();
        req.destroy(); // its body never comes: a handler reading it stops
      });
      send(res, status, { error, message });
      return;
    }
    if (res || !socket.writable) {
      socket.destroy();
      return;
    }
    const text = JSON.stringify({ error, message });
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
  };
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === "ECONNRESET") socket.destroy();
    else if (err.code === "HPE_HEADER_OVERFLOW") refuseRaw(socket, 431, "headers_too_large", `request line and headers: at most ${http.maxHeaderSize} bytes expected`);
    else if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") refuseRaw(socket, 408, "request_timeout", "request: complete in time expected");
    else refuseRaw(socket, 400, "bad_request", `request: HTTP/1.1 expected, got bytes its parser refuses (${err.code ?? "unknown"})`);
  });
  server.on("connect", (_req: http.IncomingMessage, socket: Duplex) => refuseRaw(socket, 405, "method_not_allowed", "method: CONNECT is not served"));
  server.keepAliveTimeout = 30_000;
  return server;
}
