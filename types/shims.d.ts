// Libraries without type declarations of their own. Only what zkr uses is typed.
declare module "snarkjs" {
  export const wtns: {
    check(r1csFile: string, wtnsFile: string, logger?: unknown): Promise<boolean>;
    calculate(input: Record<string, unknown>, wasmFile: string, wtnsFile: string): Promise<void>;
  };
  export const groth16: Record<string, (...args: any[]) => Promise<any>>;
  export const zKey: Record<string, (...args: any[]) => Promise<any>>;
  export const powersOfTau: Record<string, (...args: any[]) => Promise<any>>;
  export const r1cs: Record<string, (...args: any[]) => Promise<any>>;
  export const plonk: Record<string, (...args: any[]) => Promise<any>>;
}
declare module "circomlibjs";
declare module "ffjavascript";
