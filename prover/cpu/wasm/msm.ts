/**
 * WebAssembly helpers of the MSM that are not curve arithmetic (see prover/cpu/msm.ts for the
 * algorithm):
 *
 *   msm_digits(scalars, idx, m, c, nWin, out)
 *       signed c-bit digits of the m scalars scalars[idx[j]] (32-byte little-endian, < 2^254):
 *       out[w·m + j] ∈ [−2^(c−1), 2^(c−1)] (i32), Σ_w out[w·m + j]·2^(c·w) = scalar. Needs
 *       nWin·c ≥ 255 and 4 readable bytes after the last scalar; c ≤ 24.
 *   g_classify(scalars, bases, start, count, full, ones, counts)   (g = g1 | g2)
 *       splits points [start, start+count) into those to skip (scalar 0 or base ∞), scalar 1
 *       (index into `ones`) and the rest (index into `full`); counts[0] = #full, counts[1] = #ones.
 */
import type { Code, ModuleBuilder } from "wasmbuilder";

export function buildMsmHelpers(module: ModuleBuilder, groups: { g: string; affineBytes: number }[]): void {
  {
    const f = module.addFunction("msm_digits");
    for (const p of ["scalars", "idx", "m", "c", "nWin", "out"]) f.addParam(p, "i32");
    for (const l of ["j", "w", "sp", "carry", "d", "bit", "half", "full", "nb", "o"]) f.addLocal(l, "i32");
    module.exportFunction("msm_digits");
    const c = f.getCodeBuilder();
    const L = (n: string): Code => c.getLocal(n);
    const set = (n: string, v: Code): Code => c.setLocal(n, v);
    const inc = (n: string, by: Code): Code => c.setLocal(n, c.i32_add(c.getLocal(n), by));
    f.addCode(
      set("half", c.i32_shl(c.i32_const(1), c.i32_sub(L("c"), c.i32_const(1)))),
      set("full", c.i32_shl(c.i32_const(1), L("c"))),
      set("j", c.i32_const(0)),
      c.block(
        c.loop(
          c.br_if(1, c.i32_ge_u(L("j"), L("m"))),
          set("sp", c.i32_add(L("scalars"), c.i32_shl(c.i32_load(c.i32_add(L("idx"), c.i32_shl(L("j"), c.i32_const(2))), 0, 0), c.i32_const(5)))),
          set("carry", c.i32_const(0)),
          set("w", c.i32_const(0)),
          set("bit", c.i32_const(0)),
          set("o", c.i32_add(L("out"), c.i32_shl(L("j"), c.i32_const(2)))),
          c.block(
            c.loop(
              c.br_if(1, c.i32_ge_u(L("w"), L("nWin"))),
              // nb = min(c, 256 − bit): never take bits of the next scalar
              set("nb", c.i32_sub(c.i32_const(256), L("bit"))),
              c.if(c.i32_gt_u(L("nb"), L("c")), set("nb", L("c"))),
              set(
                "d",
                c.i32_add(
                  c.i32_and(
                    c.i32_shr_u(c.i32_load(c.i32_add(L("sp"), c.i32_shr_u(L("bit"), c.i32_const(3))), 0, 0), c.i32_and(L("bit"), c.i32_const(7))),
                    c.i32_sub(c.i32_shl(c.i32_const(1), L("nb")), c.i32_const(1)),
                  ),
                  L("carry"),
                ),
              ),
              c.if(
                c.i32_gt_u(L("d"), L("half")),
                [...set("d", c.i32_sub(L("d"), L("full"))), ...set("carry", c.i32_const(1))],
                set("carry", c.i32_const(0)),
              ),
              c.i32_store(L("o"), 0, 0, L("d")),
              inc("o", c.i32_shl(L("m"), c.i32_const(2))),
              inc("bit", L("c")),
              inc("w", c.i32_const(1)),
              c.br(0),
            ),
          ),
          inc("j", c.i32_const(1)),
          c.br(0),
        ),
      ),
    );
  }
  for (const { g, affineBytes } of groups) {
    const f = module.addFunction(`${g}_classify`);
    for (const p of ["scalars", "bases", "start", "count", "full", "ones", "counts"]) f.addParam(p, "i32");
    for (const l of ["i", "end", "sp", "hi", "nf", "no"]) f.addLocal(l, "i32");
    module.exportFunction(`${g}_classify`);
    const c = f.getCodeBuilder();
    const L = (n: string): Code => c.getLocal(n);
    const set = (n: string, v: Code): Code => c.setLocal(n, v);
    const inc = (n: string, by: Code): Code => c.setLocal(n, c.i32_add(c.getLocal(n), by));
    let hi: Code = c.i32_load(L("sp"), 4, 0);
    for (let k = 2; k < 8; k++) hi = c.i32_or(hi, c.i32_load(L("sp"), 4 * k, 0));
    f.addCode(
      set("i", L("start")),
      set("end", c.i32_add(L("start"), L("count"))),
      set("nf", c.i32_const(0)),
      set("no", c.i32_const(0)),
      c.block(
        c.loop(
          c.br_if(1, c.i32_ge_u(L("i"), L("end"))),
          set("sp", c.i32_add(L("scalars"), c.i32_shl(L("i"), c.i32_const(5)))),
          set("hi", hi),
          c.if(
            c.i32_eqz(c.i32_and(c.i32_eqz(L("hi")), c.i32_le_u(c.i32_load(L("sp"), 0, 0), c.i32_const(1)))),
            // a full scalar
            c.if(
              c.i32_eqz(c.call(`${g}_affIsInf`, c.i32_add(L("bases"), c.i32_mul(L("i"), c.i32_const(affineBytes))))),
              [...c.i32_store(c.i32_add(L("full"), c.i32_shl(L("nf"), c.i32_const(2))), 0, 0, L("i")), ...inc("nf", c.i32_const(1))],
            ),
            c.if(
              c.i32_eq(c.i32_load(L("sp"), 0, 0), c.i32_const(1)),
              c.if(
                c.i32_eqz(c.call(`${g}_affIsInf`, c.i32_add(L("bases"), c.i32_mul(L("i"), c.i32_const(affineBytes))))),
                [...c.i32_store(c.i32_add(L("ones"), c.i32_shl(L("no"), c.i32_const(2))), 0, 0, L("i")), ...inc("no", c.i32_const(1))],
              ),
            ),
          ),
          inc("i", c.i32_const(1)),
          c.br(0),
        ),
      ),
      c.i32_store(L("counts"), 0, 0, L("nf")),
      c.i32_store(L("counts"), 4, 0, L("no")),
    );
  }
}
