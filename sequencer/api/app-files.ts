// The browser app's built files (explorer, wallet, operator's dashboard; web/app built into
// build/app), served by the sequencer so that the app and the API share one origin: the app calls
// the API without CORS, and the API grants no other origin anything.
//
//   GET/HEAD /, /app   → 302 /app/
//   GET/HEAD /app/…    → a regular file under appDir; a path without an extension that names no
//                        file → index.html (the app routes on the client); anything else 404
//
// Nothing outside appDir: each segment of the path is %-decoded alone and refused when it is
// empty, `.`, `..`, a dotfile, or hides a `/`, `\` or NUL; then the real path (symlinks resolved)
// must lie inside appDir's real path, and be a regular file. Every answer carries nosniff,
// no-referrer and a content-security-policy that lets the page load and connect to this origin
// only (and to the origins given, e.g. the public L1 RPC). index.html is revalidated each time;
// Vite's content-hashed files under /app/assets/ are cached for good.

import fs from "node:fs";
import type http from "node:http";
import path from "node:path";
import { ApiConfigError, RequestRejectedError, badRequest } from "../errors.js";
import type { StaticFiles } from "./http.js";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json",
  ".wasm": "application/wasm",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** Vite names these files by their content: a new build is a new name. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/** An origin a page may connect to, from a URL (http, https, ws, wss); its path and credentials dropped. */
export function connectOrigin(what: string, url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Not quoted: an RPC URL may hold an API key.
    throw new ApiConfigError(`${what}: an http(s) or ws(s) URL expected, got a string that does not parse as a URL`);
  }
  if (!["http:", "https:", "ws:", "wss:"].includes(u.protocol)) throw new ApiConfigError(`${what}: an http(s) or ws(s) URL expected, got a ${u.protocol} URL`);
  // The origin goes into a header: a host the URL parser lets through with ';' or ',' would add directives.
  if (!/^(([a-z0-9-]+\.)*[a-z0-9-]+|\[[0-9a-f:.]+\])(:[0-9]+)?$/i.test(u.host)) throw new ApiConfigError(`${what}: an http(s) or ws(s) URL expected, got one whose host is no host name or address`);
  return `${u.protocol}//${u.host}`;
}

/** The content-security-policy of every answer. */
export function contentSecurityPolicy(connectSrc: readonly string[]): string {
  return [
    "default-src 'self'",
    // The app's own scripts and styles only: no inline code, no eval, no WebAssembly (it compiles none).
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${["'self'", ...connectSrc].join(" ")}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

const notFound = (what: string) => new RequestRejectedError(404, "not_found", `no file ${what}`);

export class AppFiles implements StaticFiles {
  private readonly root: string;
  private readonly headers: Readonly<Record<string, string>>;

  /** `connectSrc`: origins (see {@link connectOrigin}) the pages may connect to besides this one. */
  constructor(appDir: string, connectSrc: readonly string[] = []) {
    this.root = path.resolve(appDir);
    this.headers = {
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "content-security-policy": contentSecurityPolicy(connectSrc),
    };
  }

  handles(p: string): boolean {
    return p === "/" || p === "/app" || p.startsWith("/app/");
  }

  async serve(method: string, p: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (method !== "GET" && method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      throw new RequestRejectedError(405, "method_not_allowed", `method: GET or HEAD expected on the app's files, got ${method}`);
    }
    if (p === "/" || p === "/app") {
      res.writeHead(302, { location: "/app/", "content-length": "0", ...this.headers });
      res.end();
      return;
    }
    const segments = p.slice("/app/".length).split("/").map((s, i, all) => this.segment(s, i === all.length - 1));
    const file = (await this.find(segments)) ?? (this.isAppRoute(segments) ? await this.find(["index.html"]) : undefined);
    if (!file) throw notFound(JSON.stringify(p.length > 80 ? p.slice(0, 80) + "…" : p));
    const isIndex = file.real === path.join(file.realRoot, "index.html");
    const headers: Record<string, string> = {
      ...this.headers,
      "cache-control": !isIndex && p.startsWith("/app/assets/") ? IMMUTABLE : "no-cache",
      etag: `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`,
    };
    if (req.headers["if-none-match"] === headers.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, "content-type": CONTENT_TYPES[path.extname(file.real).toLowerCase()] ?? "application/octet-stream", "content-length": String(file.size) });
    if (method === "HEAD") {
      res.end();
      return;
    }
    await new Promise<void>((resolve) => {
      const stream = fs.createReadStream(file.real);
      stream.on("error", () => res.destroy());
      res.on("close", () => {
        stream.destroy();
        resolve();
      });
      stream.pipe(res);
    });
  }

  /** One %-decoded path segment; the last may be empty (a directory's path: the app's route). */
  private segment(raw: string, last: boolean): string {
    let s: string;
    try {
      s = decodeURIComponent(raw);
    } catch {
      throw badRequest("invalid_path", `path: %-escapes of UTF-8 expected, got ${JSON.stringify(raw.slice(0, 80))}`);
    }
    if ((s === "" && !last) || s.startsWith(".") || /[/\\\0]/.test(s)) throw notFound("outside the app's folder, or hidden");
    return s;
  }

  /** A path the app routes itself: its last segment has no extension. */
  private isAppRoute(segments: readonly string[]): boolean {
    return path.extname(segments[segments.length - 1]) === "";
  }

  /** The regular file at these segments, inside the app's folder once every link is resolved; undefined when there is none. */
  private async find(segments: readonly string[]): Promise<{ real: string; realRoot: string; size: number; mtimeMs: number } | undefined> {
    if (segments[segments.length - 1] === "") return undefined;
    try {
      const realRoot = await fs.promises.realpath(this.root);
      const real = await fs.promises.realpath(path.join(this.root, ...segments));
      const rel = path.relative(realRoot, real);
      if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel) || rel.split(path.sep).some((s) => s.startsWith("."))) throw notFound("outside the app's folder, or hidden");
      const st = await fs.promises.stat(real);
      return st.isFile() ? { real, realRoot, size: st.size, mtimeMs: st.mtimeMs } : undefined;
    } catch (e) {
      if (e instanceof RequestRejectedError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP" || code === "ENAMETOOLONG" || code === "EACCES") return undefined;
      throw e;
    }
  }
}
