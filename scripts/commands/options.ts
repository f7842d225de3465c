/** Option parsers shared by the CLI commands. */

/** Parses an integer option, naming the option in the error. */
export function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new Error(`--${name}: an integer expected, got ${v}`);
    return n;
  };
}

/** Set by a parent (zkr up) that holds a pipe on its child's stdin: the child stops when it closes. */
export const STOP_WITH_PARENT = "ZKR_STOP_WITH_PARENT";
