/**
 * `zkr web`: the prover page (web/prove) on a local web server: Groth16 proofs in the browser on
 * WebGPU or on WebAssembly workers, next to snarkjs, and a benchmark of both. Bundles the page
 * first (scripts/web/bundle.ts), then serves it with this checkout's development keys until Ctrl-C.
 */
import type { Command } from "commander";
import { descriptionOf } from "./index.js";
import { int } from "./options.js";

export function registerWeb(program: Command): void {
  program
    .command("web")
    .description(descriptionOf("web"))
    .option("--port <port>", "the server's port (0: any free port)", int("port"), 8090)
    .option("--host <host>", "the address to listen on (127.0.0.1: this machine only)", "127.0.0.1")
    .action(async (o: { port: number; host: string }) => {
      const [{ bundleWeb }, { findConfigs, startWebServer }] = await Promise.all([import("../web/bundle.js"), import("../web/server.js")]);
      const say = (l: string) => console.error(`web  ${l}`);
      await bundleWeb({ log: say });
      const server = await startWebServer({ host: o.host, port: o.port, log: say });
      const configs = findConfigs();
      console.log(`zkr web: the prover page at ${server.url}/prove/`);
      console.log(configs.length ? `  configurations: ${configs.map((c) => c.name).join(", ")} (development keys)` : "  no configuration with dev keys yet: 'zkr setup --dev --txs 1 --depth 4' makes one (or upload your own files)");
      console.log("  WebGPU needs a browser that has it (Chrome, Edge; Firefox and Safari behind flags). Ctrl-C stops.");
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await server.close();
    });
}
