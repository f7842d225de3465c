// Types for wasmbuilder (ffjavascript's code builder for WebAssembly, no declarations of its own).
// Only what prover/cpu uses is typed. Code is a byte array of wasm instructions.
declare module "wasmbuilder" {
  export type Code = number[];
  export class CodeBuilder {
    [op: string]: (...args: any[]) => Code;
  }
  export class FunctionBuilder {
    addParam(name: string, type: "i32" | "i64"): void;
    addLocal(name: string, type: "i32" | "i64", length?: number): void;
    setReturnType(type: "i32" | "i64"): void;
    getCodeBuilder(): CodeBuilder;
    addCode(...code: Code[]): void;
  }
  export class ModuleBuilder {
    free: number;
    memory: { pagesSize: number; moduleName: string; fieldName: string };
    setMemory(pages: number): void;
    addFunction(name: string): FunctionBuilder;
    exportFunction(name: string, exportName?: string): void;
    alloc(size: number | number[] | Uint8Array, bytes?: number[] | Uint8Array): number;
    build(): Uint8Array<ArrayBuffer>;
    _buildSection(type: number, section: number[]): number[];
    _buildImport(): number[];
  }
}
