/**
 * `node:module` for the browser bundle: `createRequire` answers the one CommonJS require the model
 * makes on its signing path, zk-kit's BLAKE-1 EdDSA (sequencer/model/keys.ts), with the package's
 * ES module build, which browsers run. Any other require throws with the module's name.
 */
// The package exports map names a file that does not exist for this entry; the build aliases
// "zkr-blake1" to its ES module file (scripts/web/app.ts).
import * as blake1 from "zkr-blake1";

const MODULES: Record<string, unknown> = { "@zk-kit/eddsa-poseidon/blake-1": blake1 };

export function createRequire(_from: string): (id: string) => unknown {
  const require = (id: string) => {
    if (id in MODULES) return MODULES[id];
    throw new Error(`require(${JSON.stringify(id)}) is for Node only; the browser app never loads it`);
  };
  require.resolve = (id: string) => {
    throw new Error(`require.resolve(${JSON.stringify(id)}) is for Node only; the browser app never loads it`);
  };
  return require;
}

export default { createRequire };
