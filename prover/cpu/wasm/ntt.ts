/**
 * WebAssembly NTT kernels over Fr (29-bit-limb Montgomery field `fr`, wasm/field.ts).
 *
 * The transform is linear, so it runs on the raw standard-form integers as they come: a value x
 * read as Montgomery limbs stands for x·2^-261, and every butterfly multiplies by a Montgomery
 * twiddle, so the output limbs are again the standard-form results. No conversion pass is
 * needed; only the coset factors and 1/n are Montgomery constants.
 *
 *   fr_nttLoad(in32, n, logn, out, shift, s)   out[bitrev(i)] = in[i]·shift^i (shift 0: none)
 *   fr_nttStages(p, size, from, to, tw, logN, s)  radix-2 DIT stages [from, to) over `size`
 *                                               elements at p; tw[j] = ω_N^j, j < N/2
 *   fr_nttStore(work, n, out32, inverse, scale, ratio, s)
 *                                               out[k] = work[k] (inverse: work[−k mod n]) ·
 *                                               scale·ratio^k (scale 0: none; ratio 0: constant)
 *   fr_geom(first, ratio, n, out)               out[i] = first·ratio^i
 * `s` is scratch of 2 elements (72 bytes) beyond the field's own needs.
 */
import type { Code, ModuleBuilder } from "wasmbuilder";
import { FIELD_BYTES } from "../../../core/wasm/field.js";

const E = FIELD_BYTES;

/**
 * Starts the exported function `fr_<name>` (i32 parameters and locals) and hands back the code
 * builder with the helpers the Fr kernels are written with (here and in ./qap.ts).
 */
export function frKernel(module: ModuleBuilder, name: string, params: string[], locals: string[]) {
  const f = module.addFunction(`fr_${name}`);
  for (const p of params) f.addParam(p, "i32");
  for (const l of locals) f.addLocal(l, "i32");
  module.exportFunction(`fr_${name}`);
  const c = f.getCodeBuilder();
  const L = (n: string): Code => c.getLocal(n);
  const set = (n: string, v: Code): Code => c.setLocal(n, v);
  const inc = (n: string, by: Code): Code => c.setLocal(n, c.i32_add(c.getLocal(n), by));
  const fr = (op: string, ...args: Code[]): Code => c.call(`fr_${op}`, ...args);
  const elem = (base: Code, idx: Code): Code => c.i32_add(base, c.i32_mul(idx, c.i32_const(E)));
  return { f, c, L, set, inc, fr, elem };
}

export function buildNtt(module: ModuleBuilder): void {
  const func = (name: string, params: string[], locals: string[]) => frKernel(module, name, params, locals);

  {
    const { f, c, L, set, inc, fr, elem } = func("nttLoad", ["in", "n", "logn", "out", "shift", "s"], ["i", "j", "k", "x", "dst"]);
    f.addCode(
      c.if(L("shift"), fr("one", L("s"))),
      set("i", c.i32_const(0)),
      c.block(
        c.loop(
          c.br_if(1, c.i32_ge_u(L("i"), L("n"))),
          set("x", L("i")),
          set("j", c.i32_const(0)),
          set("k", L("logn")),
          c.block(
            c.loop(
              c.br_if(1, c.i32_eqz(L("k"))),
              set("j", c.i32_or(c.i32_shl(L("j"), c.i32_const(1)), c.i32_and(L("x"), c.i32_const(1)))),
              set("x", c.i32_shr_u(L("x"), c.i32_const(1))),
              set("k", c.i32_sub(L("k"), c.i32_const(1))),
              c.br(0),
            ),
          ),
          set("dst", elem(L("out"), L("j"))),
          fr("fromRaw", c.i32_add(L("in"), c.i32_shl(L("i"), c.i32_const(5))), L("dst")),
          c.if(L("shift"), [...fr("mul", L("dst"), L("s"), L("dst")), ...fr("mul", L("s"), L("shift"), L("s"))]),
          inc("i", c.i32_const(1)),
          c.br(0),
        ),
      ),
    );
  }
  {
    const { f, c, L, set, inc, fr, elem } = func(
      "nttStages",
      ["p", "size", "from", "to", "tw", "logN", "s"],
      ["st", "half", "twShift", "blk", "u", "v", "j"],
    );
    const T = L("s");
    f.addCode(
      set("st", L("from")),
      c.block(
        c.loop(
          c.br_if(1, c.i32_ge_u(L("st"), L("to"))),
          set("half", c.i32_shl(c.i32_const(1), L("st"))),
          set("twShift", c.i32_sub(c.i32_sub(L("logN"), c.i32_const(1)), L("st"))),
          set("blk", c.i32_const(0)),
          c.block(
            c.loop(
              c.br_if(1, c.i32_ge_u(L("blk"), L("size"))),
              set("u", elem(L("p"), L("blk"))),
              set("v", elem(L("u"), L("half"))),
              // j = 0: twiddle 1
              fr("sub", L("u"), L("v"), T),
              fr("add", L("u"), L("v"), L("u")),
              fr("copy", T, L("v")),
              set("j", c.i32_const(1)),
              c.block(
                c.loop(
                  c.br_if(1, c.i32_ge_u(L("j"), L("half"))),
                  inc("u", c.i32_const(E)),
                  inc("v", c.i32_const(E)),
                  fr("mul", L("v"), elem(L("tw"), c.i32_shl(L("j"), L("twShift"))), T),
                  fr("sub", L("u"), T, L("v")),
                  fr("add", L("u"), T, L("u")),
                  inc("j", c.i32_const(1)),
                  c.br(0),
                ),
              ),
              inc("blk", c.i32_shl(L("half"), c.i32_const(1))),
              c.br(0),
            ),
          ),
          inc("st", c.i32_const(1)),
          c.br(0),
        ),
      ),
    );
  }
  {
    const { f, c, L, set, inc, fr, elem } = func("nttStore", ["work", "n", "out", "inverse", "scale", "ratio", "s"], ["k", "src"]);
    const G = L("s");
    const V = c.i32_add(L("s"), c.i32_const(E));
    f.addCode(
      c.if(L("scale"), fr("copy", L("scale"), G)),
      set("k", c.i32_const(0)),
      c.block(
        c.loop(
          c.br_if(1, c.i32_ge_u(L("k"), L("n"))),
          c.if(
            L("inverse"),
            set("src", elem(L("work"), c.i32_and(c.i32_sub(L("n"), L("k")), c.i32_sub(L("n"), c.i32_const(1))))),
            set("src", elem(L("work"), L("k"))),
          ),
          c.if(L("scale"), [...fr("mul", L("src"), G, V), ...set("src", V), ...c.if(L("ratio"), fr("mul", G, L("ratio"), G))]),
          fr("toRaw", L("src"), c.i32_add(L("out"), c.i32_shl(L("k"), c.i32_const(5)))),
          inc("k", c.i32_const(1)),
          c.br(0),
        ),
      ),
    );
  }
  {
    const { f, c, L, set, inc, fr } = func("geom", ["first", "ratio", "n", "out"], ["i", "prev"]);
    f.addCode(
      c.if(c.i32_eqz(L("n")), c.ret([])),
      fr("copy", L("first"), L("out")),
      set("i", c.i32_const(1)),
      c.block(
        c.loop(
          c.br_if(1, c.i32_ge_u(L("i"), L("n"))),
          set("prev", L("out")),
          inc("out", c.i32_const(E)),
          fr("mul", L("prev"), L("ratio"), L("out")),
          inc("i", c.i32_const(1)),
          c.br(0),
        ),
      ),
    );
  }
}
