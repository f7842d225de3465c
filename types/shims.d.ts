// Libraries without type declarations of their own. Only what zkr uses is typed.
declare module "snarkjs" {
  export const wtns: {
    check(r1csFile: string, wtnsFile: string, logger?: unknown): Promise<boolean>;
    /** `wtnsFile`: a path, or `{ type: "mem" }`, which receives the file's bytes as `data`. */
    calculate(input: Record<string, unknown>, wasmFile: string, wtnsFile: string | { type: "mem"; data?: Uint8Array }, options?: { sanityCheck?: boolean }): Promise<void>;
    /** The witness values of a `.wtns` (a path, or a `{ type: "mem", data }` as above). */
    exportJson(wtnsFile: string | { type: "mem"; data?: Uint8Array }): Promise<bigint[]>;
  };
  export const groth16: Record<string, (...args: any[]) => Promise<any>>;
  export const zKey: Record<string, (...args: any[]) => Promise<any>>;
  export const powersOfTau: Record<string, (...args: any[]) => Promise<any>>;
  export const r1cs: Record<string, (...args: any[]) => Promise<any>>;
  export const plonk: Record<string, (...args: any[]) => Promise<any>>;
}
declare module "circomlibjs";
declare module "ffjavascript";
