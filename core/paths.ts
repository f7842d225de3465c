/** Where zkr's checkout is: every file path of the repository is built from here. */
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (this file lives in `core/`). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
