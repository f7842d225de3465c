#!/usr/bin/env node
// Entry of the `zkr` command: registers the TypeScript loader, then runs the CLI from source.
import { register } from "tsx/esm/api";

register();
await import("../scripts/zkr.ts");
