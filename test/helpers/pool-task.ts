/** A task module for test/core.pool.test.ts: each task kind exercises one path of core/pool.ts. */
import { threadId } from "node:worker_threads";
import { leToBigint } from "../../core/bytes.js";

let data: { tag: string; failInit?: boolean } | undefined;

export async function init(d: { tag: string; failInit?: boolean }): Promise<void> {
  if (d.failInit) throw new Error(`init refused (${d.tag})`);
  data = d;
}

export type PoolTestTask =
  | { kind: "echo"; value: unknown }
  | { kind: "tag" }
  | { kind: "thread" }
  | { kind: "env"; name: string }
  | { kind: "bytes"; n: number }
  | { kind: "sum"; bytes: Uint8Array }
  | { kind: "throw"; message: string }
  | { kind: "exit"; code: number };

export default async function task(t: PoolTestTask): Promise<unknown> {
  switch (t.kind) {
    case "echo":
      return t.value;
    case "tag":
      return data?.tag;
    case "thread":
      return threadId;
    case "env":
      return process.env[t.name];
    case "bytes":
      return { bytes: new Uint8Array(t.n).fill(7), n: t.n };
    case "sum":
      // a TypeScript import works in the worker (tsx), and input bytes arrive
      return leToBigint(t.bytes, 0, t.bytes.length).toString();
    case "throw":
      throw new RangeError(t.message);
    case "exit":
      process.exit(t.code);
  }
}
