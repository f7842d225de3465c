/**
 * Long commands (`zkr prove`, `zkr setup`, …) run in a child process; this process only waits for
 * it and answers SIGINT and SIGTERM: one line on stderr, the child stopped, and exit status 128 +
 * the signal's number (130, 143), as a shell reports a command killed by it.
 *
 * Why a child: a signal reaches JavaScript through the event loop, and the work can hold the main
 * thread for a long time inside native code. Dawn's OpenGL ES backend (the `webgpu` backend on
 * llvmpipe) compiles a pipeline and waits for a dispatch on the calling thread: measured here, a
 * first MSM held the loop for 29 s, so a `process.on("SIGTERM")` handler in the proving process
 * would run only after that (and `process.exit` then waits for Dawn's and the pool's threads).
 * Without a handler Node's own one kills the process at once, but silently and as a signal, not
 * an exit status. The child keeps Node's default, so the signal forwarded to it ends it at once
 * whatever its main thread is doing; this process's loop is always free to print and to wait.
 */
import { spawn } from "node:child_process";
import os from "node:os";

/** Set in the child's environment to the supervisor's pid. */
const ENV = "ZKR_SUPERVISOR";
/** How long the child may take to end on the forwarded signal before it is killed outright. */
const GRACE_MS = 5_000;

/** True in the child a supervisor started (its pid in ZKR_SUPERVISOR is this process's parent). */
export function isSupervised(): boolean {
  return process.env[ENV] === String(process.ppid);
}

/**
 * In the child: stop when the supervisor is gone (killed with SIGKILL, it could not forward
 * anything), so no proof runs on with nobody waiting for it.
 */
export function watchSupervisor(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, "SIGTERM");
  }, 1_000).unref();
}

/**
 * In a command that runs in-process instead (its work off the main thread): SIGINT and SIGTERM
 * end it as the supervisor would, at once with one line on stderr and status 128 + the signal's
 * number. Worker threads end with the process.
 */
export function exitOnSignals(command: string): void {
  const onSignal = (signal: NodeJS.Signals) => {
    console.error(`zkr: ${command} stopped by ${signal}`);
    process.exit(128 + os.constants.signals[signal]);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
}

/**
 * Runs this same command line in a child and resolves with the exit status to leave with: the
 * child's own, or 128 + the number of the signal that stopped it.
 */
export function runSupervised(command: string): Promise<number> {
  if (process.env.ZKR_CLI_TRACE) process.stderr.write(`zkr: ${performance.now().toFixed(0)} ms: supervisor starts the child\n`);
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, [ENV]: String(process.pid) },
  });
  return new Promise((resolve, reject) => {
    let stopping: NodeJS.Signals | undefined;
    let kill: NodeJS.Timeout | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        child.kill("SIGKILL"); // a second Ctrl-C: no more waiting
        return;
      }
      stopping = signal;
      console.error(`zkr: ${command} stopped by ${signal}`);
      // A Ctrl-C on a terminal reached the child too; a `kill` reached only this process.
      child.kill(signal);
      kill = setTimeout(() => child.kill("SIGKILL"), GRACE_MS);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const done = () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      if (kill) clearTimeout(kill);
    };
    child.once("error", (err) => {
      done();
      reject(err);
    });
    child.once("exit", (code, signal) => {
      done();
      if (stopping) return resolve(128 + os.constants.signals[stopping]);
      if (signal) {
        console.error(`zkr: ${command} killed by ${signal}`);
        return resolve(128 + os.constants.signals[signal]);
      }
      resolve(code ?? 1);
    });
  });
}
