/**
 * What a Node-only module (`node:path`, …) becomes in the browser bundle: the shared model imports
 * it for paths a page never takes (verification tables, files); any use throws with its name.
 */
const fail = (name: PropertyKey) => () => {
  throw new Error(`${String(name)}: a Node-only API, not available in the browser app`);
};
const stub = new Proxy({}, { get: (_t, name) => (name === "__esModule" ? false : fail(name)) });
export default stub;
