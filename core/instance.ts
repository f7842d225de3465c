/**
 * One running instance per folder. `zkr up` and `zkr devnet` write their deployment, endpoints and
 * database into one folder (build/devnet by default); a second instance on the same folder would
 * overwrite the first one's files and delete its database under it. Each claims its folder first:
 * an atomic lock (proper-lockfile's `instance.lock` directory, refreshed while held) and, beside it,
 * `instance.json` saying who holds it (pid, command, ports), so that the refusal can name the
 * running instance.
 *
 * A holder killed with SIGKILL leaves both behind; the next claim finds its pid gone and takes the
 * folder over at once (and proper-lockfile would anyway after `STALE_MS` without a refresh).
 */
import fs from "node:fs";
import path from "node:path";
import lockfile from "proper-lockfile";
import { ZkrError } from "./errors.js";

/** What `instance.json` says about the holder. */
export interface InstanceInfo {
  pid: number;
  /** The command that holds the folder, e.g. "zkr up". */
  command: string;
  startedAt: string;
  /** Where it can be reached, once known (L1 RPC, API URL, …). */
  endpoints?: Record<string, string>;
}

/** A folder claimed by this process. */
export interface FolderClaim {
  readonly dir: string;
  readonly info: InstanceInfo;
  /** Records where this instance can be reached, for a refused second instance to print. */
  setEndpoints(endpoints: Record<string, string>): void;
  /** Gives the folder up (idempotent). */
  release(): Promise<void>;
}

/** The folder is held by another live process. */
export class FolderInUseError extends ZkrError {
  override name = "FolderInUseError" as const;
  constructor(
    readonly dir: string,
    readonly holder: InstanceInfo | undefined,
  ) {
    const who = holder ? `${holder.command} (pid ${holder.pid}, since ${holder.startedAt})` : "another process";
    const where = holder?.endpoints ? Object.entries(holder.endpoints).map(([k, v]) => `${k}: ${v}`) : [];
    super(`${dir} is in use by ${who}`, {
      metaMessages: [
        ...where,
        holder ? `Stop it (Ctrl-C in its terminal, or kill ${holder.pid}), or give this instance its own folder (--out <dir>).` : "Stop it, or give this instance its own folder (--out <dir>).",
      ],
    });
  }
}

/** A lock not refreshed for this long counts as abandoned. */
const STALE_MS = 10_000;
const INFO_FILE = "instance.json";
const LOCK_DIR = "instance.lock";

function readInfo(dir: string): InstanceInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, INFO_FILE), "utf8")) as InstanceInfo;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function writeInfo(dir: string, info: InstanceInfo): void {
  const tmp = path.join(dir, `.${INFO_FILE}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(info, null, 2) + "\n");
  fs.renameSync(tmp, path.join(dir, INFO_FILE));
}

/**
 * Claims `dir` (created if missing) for this process as `command`, or throws FolderInUseError
 * naming the live holder. A holder whose process is gone is taken over.
 */
export async function claimFolder(dir: string, command: string): Promise<FolderClaim> {
  const abs = path.resolve(dir);
  fs.mkdirSync(abs, { recursive: true });
  const opts = { realpath: false, stale: STALE_MS, lockfilePath: path.join(abs, LOCK_DIR), onCompromised: () => {} };
  let unlock: () => Promise<void>;
  try {
    unlock = await lockfile.lock(abs, opts);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ELOCKED") throw e;
    const holder = readInfo(abs);
    if (holder && holder.pid !== process.pid && !processAlive(holder.pid)) {
      // Killed without cleaning up: its lock is ours to remove.
      fs.rmSync(opts.lockfilePath, { recursive: true, force: true });
      unlock = await lockfile.lock(abs, opts).catch((again: NodeJS.ErrnoException) => {
        throw again.code === "ELOCKED" ? new FolderInUseError(abs, readInfo(abs)) : again;
      });
    } else {
      throw new FolderInUseError(abs, holder);
    }
  }
  const info: InstanceInfo = { pid: process.pid, command, startedAt: new Date().toISOString() };
  writeInfo(abs, info);
  let released: Promise<void> | undefined;
  return {
    dir: abs,
    info,
    setEndpoints(endpoints) {
      info.endpoints = { ...info.endpoints, ...endpoints };
      if (!released) writeInfo(abs, info);
    },
    release() {
      return (released ??= (async () => {
        fs.rmSync(path.join(abs, INFO_FILE), { force: true });
        await unlock().catch(() => {});
      })());
    },
  };
}
