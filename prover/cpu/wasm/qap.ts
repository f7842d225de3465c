/**
 * WebAssembly kernels of the prover's Fr vector steps (prover/groth16.ts steps 2 and 3), on the
 * 29-bit-limb Montgomery field `fr` (core/wasm/field.ts), R = 2^261:
 *
 *   fr_qapAccum(recs, count, values, witness, rows, t)
 *       for each record (row, signal, value index: three u32) of one matrix:
 *       rows[row] += values[index] · witness[signal]. The values are stored as v·R² (so that one
 *       Montgomery product with the witness's standard-form integer, repacked but not converted,
 *       lands in Montgomery form: v·w·R); rows are Montgomery elements the caller zeroed. Zero
 *       witness values (most of a circom witness) are skipped. witness: 32-byte LE scalars.
 *   fr_qapStore(rowsA, rowsB, n, outA, outB, outC, t)
 *       out{A,B}[i] = rows{A,B}[i] and outC[i] = rowsA[i]·rowsB[i], as 32-byte LE standard form.
 *   fr_mulSub(a, b, c, n, out, t)
 *       out[i] = a[i]·b[i] − c[i] over 32-byte LE standard-form scalars (out may be any input).
 * `t` is scratch of 2 elements (72 bytes).
 */
import type { Code, ModuleBuilder } from "wasmbuilder";
import { FIELD_BYTES } from "../../../core/wasm/field.js";
import { frKernel } from "./ntt.js";

const E = FIELD_BYTES;
/** Bytes of one coefficient record of fr_qapAccum. */
export const QAP_RECORD_BYTES = 12;
/** Scratch bytes of each kernel call. */
export const QAP_SCRATCH = 2 * FIELD_BYTES;

export function buildQap(module: ModuleBuilder): void {
  const func = (name: string, params: string[], locals: string[]) => {
    const k = frKernel(module, name, params, locals);
    const { c, L, set, inc } = k;
    const scalar = (base: Code, idx: Code): Code => c.i32_add(base, c.i32_shl(idx, c.i32_const(5)));
    /** for (i = 0; i < n; i++) body */
    const loop = (i: string, n: Code, ...body: Code[]): Code =>
      [...set(i, c.i32_const(0)), ...c.block(c.loop(c.br_if(1, c.i32_ge_u(L(i), n)), ...body, ...inc(i, c.i32_const(1)), c.br(0)))];
    return { ...k, scalar, loop };
  };

  {
    const { f, c, L, set, inc, fr, elem, scalar, loop } = func("qapAccum", ["recs", "count", "values", "witness", "rows", "t"], ["i", "wp", "dst"]);
    const nonZero = c.i64_ne(
      c.i64_or(c.i64_or(c.i64_load(L("wp"), 0, 0), c.i64_load(L("wp"), 8, 0)), c.i64_or(c.i64_load(L("wp"), 16, 0), c.i64_load(L("wp"), 24, 0))),
      c.i64_const(0),
    );
    f.addCode(
      loop(
        "i",
        L("count"),
        set("wp", scalar(L("witness"), c.i32_load(L("recs"), 4, 0))),
        c.if(nonZero, [
          ...fr("fromRaw", L("wp"), L("t")),
          ...fr("mul", elem(L("values"), c.i32_load(L("recs"), 8, 0)), L("t"), L("t")),
          ...set("dst", elem(L("rows"), c.i32_load(L("recs"), 0, 0))),
          ...fr("add", L("dst"), L("t"), L("dst")),
        ]),
        inc("recs", c.i32_const(QAP_RECORD_BYTES)),
      ),
    );
  }
  {
    const { f, c, L, fr, elem, scalar, loop } = func("qapStore", ["rowsA", "rowsB", "n", "outA", "outB", "outC", "t"], ["i"]);
    const T2 = c.i32_add(L("t"), c.i32_const(E));
    f.addCode(
      loop(
        "i",
        L("n"),
        fr("toStd", elem(L("rowsA"), L("i")), scalar(L("outA"), L("i")), L("t")),
        fr("toStd", elem(L("rowsB"), L("i")), scalar(L("outB"), L("i")), L("t")),
        fr("mul", elem(L("rowsA"), L("i")), elem(L("rowsB"), L("i")), T2),
        fr("toStd", T2, scalar(L("outC"), L("i")), L("t")),
      ),
    );
  }
  {
    const { f, c, L, fr, scalar, loop } = func("mulSub", ["a", "b", "c", "n", "out", "t"], ["i"]);
    const T2 = c.i32_add(L("t"), c.i32_const(E));
    // a·R (Montgomery) times b's integer: the product a·b as a plain integer below 2r; minus c's.
    f.addCode(
      loop(
        "i",
        L("n"),
        fr("fromStd", scalar(L("a"), L("i")), L("t")),
        fr("fromRaw", scalar(L("b"), L("i")), T2),
        fr("mul", L("t"), T2, L("t")),
        fr("fromRaw", scalar(L("c"), L("i")), T2),
        fr("sub", L("t"), T2, L("t")),
        fr("toRaw", L("t"), scalar(L("out"), L("i"))),
      ),
    );
  }
}
