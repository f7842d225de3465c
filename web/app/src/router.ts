/**
 * Hash routes (`#/batch/3`, `#/operator?token=…`): the app is one static page served at /app/,
 * so every view has an address a person can bookmark, share and reload.
 */
import { useEffect, useState } from "preact/hooks";

export interface Route {
  /** The path after `#`, without its query: `/batch/3`. */
  path: string;
  /** Its parts: `["batch", "3"]`. */
  parts: string[];
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, "") || "/";
  const q = raw.indexOf("?");
  const path = q < 0 ? raw : raw.slice(0, q);
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part; // a malformed %-escape: the part as typed, which the page then refuses
    }
  };
  return { path, parts: path.split("/").filter(Boolean).map(decode), query: new URLSearchParams(q < 0 ? "" : raw.slice(q + 1)) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => {
      setRoute(parseRoute(location.hash));
      window.scrollTo(0, 0);
    };
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
}

export const href = (...parts: Array<string | number | bigint>) => "#/" + parts.map((p) => encodeURIComponent(String(p))).join("/");

export function go(to: string): void {
  location.hash = to.replace(/^#/, "");
}
