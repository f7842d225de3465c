/**
 * The app's view of the rollup: the sequencer's API through the same client the CLI and the tests
 * use (same origin: the sequencer serves the app), and polling hooks for live pages.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, SequencerClient } from "../../../sequencer/client.js";

export const api = new SequencerClient("", { retries: 2, maxRetryWaitMs: 10_000 });

/** A GET of the API as JSON (routes the client has no method for yet); refusals as ApiError. */
export async function getJson<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, init);
  const body = (await res.json().catch(() => ({}))) as T & { error?: string; message?: string };
  if (!res.ok) throw new ApiError(res.status, body.error ?? "error", body.message ?? res.statusText);
  return body;
}

export interface Polled<T> {
  data?: T;
  error?: unknown;
  /** Fetch again now (after an action). */
  refresh: () => void;
}

/**
 * `load()` now and every `ms` while the page is visible, never two at once; `stop(data)` true ends
 * the polling (a verified transaction does not change). Re-run when `deps` change.
 */
export function usePoll<T>(load: () => Promise<T>, ms: number, deps: unknown[], stop?: (d: T) => boolean): Polled<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown }>({});
  const tick = useRef<() => void>(() => {});
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let busy = false;
    setState({});
    const run = async () => {
      if (!alive || busy) return;
      busy = true;
      clearTimeout(timer);
      let done = false;
      try {
        const data = await load();
        if (!alive) return;
        setState({ data });
        done = stop?.(data) ?? false;
      } catch (error) {
        if (alive) setState((s) => ({ data: s.data, error }));
      } finally {
        busy = false;
      }
      if (alive && !done && ms > 0) timer = setTimeout(() => void run(), document.hidden ? ms * 5 : ms);
    };
    tick.current = () => void run();
    void run();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, deps);
  return { ...state, refresh: () => tick.current() };
}

/** What an error says to a person: the API's message, or the error's. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message.replace(/^\d{3} [a-z_]+: /, "");
  if (e instanceof Error) return (e as { shortMessage?: string }).shortMessage ?? e.message;
  return String(e);
}
