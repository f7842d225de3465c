/**
 * Extra WebAssembly functions for the dev setup, added to ffjavascript's bn128 module through
 * its plugin hook (`buildBn128(singleThread, plugin)`), so they run next to wasmcurves' own field
 * and curve code without a JS round trip per operation.
 *
 * For each group (`g1m` over `f1m`, `g2m` over `f2m`):
 *
 * - `<g>_zkrBatchAdd(pA, aStep, pB, bStep, n, pOut, pDen)`: out_i = A_i + B_i for n pairs of
 *   affine points with one shared field inversion (Montgomery's trick), about 6 field
 *   multiplications per addition instead of ~11 for a mixed Jacobian addition. B_i is read at
 *   `pB + i*bStep` (bStep 0: one point added to all). The caller guarantees A_i, B_i are not zero
 *   and A_i != ±B_i. `pOut` may equal `pA` (then aStep must be the affine size).
 * - `<g>_zkrFixedBase(pTable, w, nWin, pScalars, n, pAcc, pFlags, pDen)`: n fixed-base scalar
 *   multiplications with a window table `T[k][d] = d * 2^(w*k) * P` (k < nWin, d < 2^w, affine,
 *   row k at `pTable + k * 2^w * sizeAffine`). Scalars are 32-byte little-endian integers in
 *   standard form (not Montgomery), below 2^254, 32 bytes apart, with 4 readable bytes after the
 *   last one. For each window, every accumulator takes one affine addition; all of a window's
 *   additions share one batch inversion. Results are affine (Montgomery, i.e. snarkjs's LEM form)
 *   in pAcc; a zero scalar gives the zero point (all zero bytes). pFlags: n i32 scratch, pDen: n
 *   field elements scratch.
 *
 * - `frm_zkrGeom`, `frm_zkrLagrange`: the scalar sequences of the powers and Lagrange sections.
 *
 * Degenerate additions (equal x) cannot happen for reduced scalars with unsigned windows (the
 * partial sum s1 < 2^(wk) <= s2 and s1 + s2 < r), but they are still handled through the
 * Jacobian formulas so the result is right for any input.
 *
 * Why not the prover's batch-affine kernel (prover/cpu/wasm/curve.ts, `g_batchAdd`), evaluated
 * and kept apart (issue 13):
 * - These kernels must sit inside ffjavascript's bn128 module: the engine also calls that module's
 *   own functions for the forms snarkjs writes and hashes (batchLEMtoU/C, toAffine, frm_*,
 *   batchInverse), and its elements are wasmcurves' (32 bytes, 4×64-bit Montgomery limbs; the
 *   memory form is the file's LEM form). The prover's kernel is generated into zkr's own module
 *   on 9×29-bit limbs (36-byte elements, another Montgomery radix) over one shared memory. Calling
 *   it would convert every table row and accumulator between layouts each window.
 * - Generating it into this module instead (curve.ts is written against a FieldOps interface, so
 *   an adapter over f1m/f2m is conceivable) needs curve.ts and field2.ts moved to core/wasm/
 *   (circuits may not import prover), under files other work owns (prover/cpu/index.ts imports
 *   them); and its shape does not fit: it takes a list of pointer triples with sign bits and
 *   classifies every pair (∞, doubling, P − P), while the fixed-base pass is fused and strided
 *   (the digit read from the scalar, the table point found by address, accumulators updated in
 *   place, one inversion per window) and row building adds one broadcast point (bStep 0). Using it
 *   means writing n list entries and a classification per window on a path whose bytes snarkjs
 *   checks, to save about 70 lines of generator code (affineAddCode and buildBatchAdd).
 */

 
type Code = number[];

export function zkrWasmPlugin(module: any): void {
  buildGroup(module, "g1m", "f1m", 32);
  buildGroup(module, "g2m", "f2m", 64);
  buildFrGeom(module);
  buildFrLagrange(module);
}

/** `frm_zkrGeom(pFirst, pInc, n, pOut)`: out_i = first * inc^i (Montgomery). */
function buildFrGeom(module: any): void {
  const fn = module.addFunction("frm_zkrGeom");
  for (const p of ["pFirst", "pInc", "n", "pOut"]) fn.addParam(p, "i32");
  fn.addLocal("i", "i32");
  fn.addLocal("o", "i32");
  const c = fn.getCodeBuilder();
  const t = c.i32_const(module.alloc(32));
  const get = (x: string) => c.getLocal(x);
  fn.addCode(
    c.call("frm_copy", get("pFirst"), t),
    c.setLocal("i", c.i32_const(0)),
    c.setLocal("o", get("pOut")),
    c.block(
      c.loop(
        c.br_if(1, c.i32_eq(get("i"), get("n"))),
        c.call("frm_copy", t, get("o")),
        c.call("frm_mul", t, get("pInc"), t),
        c.setLocal("o", c.i32_add(get("o"), c.i32_const(32))),
        c.setLocal("i", c.i32_add(get("i"), c.i32_const(1))),
        c.br(0),
      ),
    ),
  );
  module.exportFunction("frm_zkrGeom");
}

/**
 * `frm_zkrLagrange(pTau, pA, pBc, pFirst, pStep, n, pOut, pW)`: with W_i = first * step^i,
 * out_i = W_i * (A / (tau - W_i) - Bc) (Montgomery); pW: n elements of scratch. tau must differ
 * from every W_i.
 */
function buildFrLagrange(module: any): void {
  const fn = module.addFunction("frm_zkrLagrange");
  for (const p of ["pTau", "pA", "pBc", "pFirst", "pStep", "n", "pOut", "pW"]) fn.addParam(p, "i32");
  for (const l of ["i", "o", "w"]) fn.addLocal(l, "i32");
  const c = fn.getCodeBuilder();
  const cur = c.i32_const(module.alloc(32));
  const t = c.i32_const(module.alloc(32));
  const get = (x: string) => c.getLocal(x);
  const reset = [...c.setLocal("i", c.i32_const(0)), ...c.setLocal("o", get("pOut")), ...c.setLocal("w", get("pW"))];
  const step = [
    ...c.setLocal("o", c.i32_add(get("o"), c.i32_const(32))),
    ...c.setLocal("w", c.i32_add(get("w"), c.i32_const(32))),
    ...c.setLocal("i", c.i32_add(get("i"), c.i32_const(1))),
  ];
  fn.addCode(
    c.call("frm_copy", get("pFirst"), cur),
    reset,
    c.block(
      c.loop(
        c.br_if(1, c.i32_eq(get("i"), get("n"))),
        c.call("frm_copy", cur, get("w")),
        c.call("frm_sub", get("pTau"), cur, get("o")),
        c.call("frm_mul", cur, get("pStep"), cur),
        step,
        c.br(0),
      ),
    ),
    c.call("frm_batchInverse", get("pOut"), c.i32_const(32), get("n"), get("pOut"), c.i32_const(32)),
    reset,
    c.block(
      c.loop(
        c.br_if(1, c.i32_eq(get("i"), get("n"))),
        c.call("frm_mul", get("pA"), get("o"), t),
        c.call("frm_sub", t, get("pBc"), t),
        c.call("frm_mul", t, get("w"), get("o")),
        step,
        c.br(0),
      ),
    ),
  );
  module.exportFunction("frm_zkrLagrange");
}

function buildGroup(module: any, g: string, f: string, n8: number): void {
  const sA = 2 * n8; // affine point size
  buildBatchAdd(module, g, f, n8, sA);
  buildFixedBase(module, g, f, n8, sA);
}

/** Emits the affine addition (x3, y3) = A + B given inv = 1 / (xB - xA). */
function affineAddCode(c: any, f: string, n8: number, pA: Code, pB: Code, pInv: Code, pOut: Code, t: Code[]): Code {
  const [L, T, U, X3] = t;
  const xA = pA;
  const yA = c.i32_add(pA, c.i32_const(n8));
  const xB = pB;
  const yB = c.i32_add(pB, c.i32_const(n8));
  return [
    ...c.call(f + "_sub", yB, yA, T),
    ...c.call(f + "_mul", T, pInv, L), // lambda
    ...c.call(f + "_square", L, T),
    ...c.call(f + "_sub", T, xA, U),
    ...c.call(f + "_sub", U, xB, X3), // x3 = lambda^2 - xA - xB
    ...c.call(f + "_sub", xA, X3, T),
    ...c.call(f + "_mul", L, T, U),
    ...c.call(f + "_sub", U, yA, c.i32_add(pOut, c.i32_const(n8))), // y3 = lambda (xA - x3) - yA
    ...c.call(f + "_copy", X3, pOut),
  ];
}

function temps(module: any, c: any, n8: number, k: number): Code[] {
  const out: Code[] = [];
  for (let i = 0; i < k; i++) out.push(c.i32_const(module.alloc(n8)));
  return out;
}

function buildBatchAdd(module: any, g: string, f: string, n8: number, sA: number): void {
  const fn = module.addFunction(g + "_zkrBatchAdd");
  for (const p of ["pA", "aStep", "pB", "bStep", "n", "pOut", "pDen"]) fn.addParam(p, "i32");
  for (const l of ["i", "a", "b", "o", "d"]) fn.addLocal(l, "i32");
  const c = fn.getCodeBuilder();
  const t = temps(module, c, n8, 4);
  const get = (x: string) => c.getLocal(x);
  const inc = (x: string, by: Code) => c.setLocal(x, c.i32_add(get(x), by));

  fn.addCode(
    // den_i = xB - xA
    c.setLocal("i", c.i32_const(0)),
    c.setLocal("a", get("pA")),
    c.setLocal("b", get("pB")),
    c.setLocal("d", get("pDen")),
    c.block(
      c.loop(
        c.br_if(1, c.i32_eq(get("i"), get("n"))),
        c.call(f + "_sub", get("b"), get("a"), get("d")),
        inc("a", get("aStep")),
        inc("b", get("bStep")),
        inc("d", c.i32_const(n8)),
        inc("i", c.i32_const(1)),
        c.br(0),
      ),
    ),
    c.call(f + "_batchInverse", get("pDen"), c.i32_const(n8), get("n"), get("pDen"), c.i32_const(n8)),
    c.setLocal("i", c.i32_const(0)),
    c.setLocal("a", get("pA")),
    c.setLocal("b", get("pB")),
    c.setLocal("o", get("pOut")),
    c.setLocal("d", get("pDen")),
    c.block(
      c.loop(
        c.br_if(1, c.i32_eq(get("i"), get("n"))),
        affineAddCode(c, f, n8, get("a"), get("b"), get("d"), get("o"), t),
        inc("a", get("aStep")),
        inc("b", get("bStep")),
        inc("o", c.i32_const(sA)),
        inc("d", c.i32_const(n8)),
        inc("i", c.i32_const(1)),
        c.br(0),
      ),
    ),
  );
  module.exportFunction(g + "_zkrBatchAdd");
}

function buildFixedBase(module: any, g: string, f: string, n8: number, sA: number): void {
  const fn = module.addFunction(g + "_zkrFixedBase");
  for (const p of ["pTable", "w", "nWin", "pScalars", "n", "pAcc", "pFlags", "pDen"]) fn.addParam(p, "i32");
  for (const l of ["k", "i", "bitOff", "byteOff", "sh", "mask", "d", "pS", "pT", "pAc", "pFl", "pD", "winBase", "nb"]) {
    fn.addLocal(l, "i32");
  }
  const c = fn.getCodeBuilder();
  const t = temps(module, c, n8, 4);
  const J = c.i32_const(module.alloc(n8 * 3));
  const get = (x: string) => c.getLocal(x);
  const inc = (x: string, by: Code) => c.setLocal(x, c.i32_add(get(x), by));

  // d = (load32(pS + byteOff) >>> sh) & mask
  const digit = c.setLocal(
    "d",
    c.i32_and(c.i32_shr_u(c.i32_load(c.i32_add(get("pS"), get("byteOff")), 0, 0), get("sh")), get("mask")),
  );
  const tablePoint = c.setLocal("pT", c.i32_add(get("winBase"), c.i32_mul(get("d"), c.i32_const(sA))));
  const resetIter = [
    ...c.setLocal("i", c.i32_const(0)),
    ...c.setLocal("pS", get("pScalars")),
    ...c.setLocal("pAc", get("pAcc")),
    ...c.setLocal("pFl", get("pFlags")),
    ...c.setLocal("pD", get("pDen")),
  ];
  const stepIter = [
    ...inc("i", c.i32_const(1)),
    ...inc("pS", c.i32_const(32)),
    ...inc("pAc", c.i32_const(sA)),
    ...inc("pFl", c.i32_const(4)),
    ...inc("pD", c.i32_const(n8)),
  ];
  const flag = c.i32_load(get("pFl"));
  const setFlag = (v: number) => c.i32_store(get("pFl"), c.i32_const(v));

  fn.addCode(
    // flags = 0 (all accumulators empty)
    c.setLocal("i", c.i32_const(0)),
    c.setLocal("pFl", get("pFlags")),
    c.block(
      c.loop(
        c.br_if(1, c.i32_eq(get("i"), get("n"))),
        setFlag(0),
        inc("pFl", c.i32_const(4)),
        inc("i", c.i32_const(1)),
        c.br(0),
      ),
    ),
    c.setLocal("k", c.i32_const(0)),
    c.block(
      c.loop(
        c.br_if(1, c.i32_eq(get("k"), get("nWin"))),
        c.setLocal("bitOff", c.i32_mul(get("k"), get("w"))),
        c.setLocal("byteOff", c.i32_shr_u(get("bitOff"), c.i32_const(3))),
        c.setLocal("sh", c.i32_and(get("bitOff"), c.i32_const(7))),
        // nb = min(w, 256 - bitOff): never read bits of the next scalar
        c.setLocal("nb", c.i32_sub(c.i32_const(256), get("bitOff"))),
        c.if(c.i32_gt_u(get("nb"), get("w")), c.setLocal("nb", get("w"))),
        c.setLocal("mask", c.i32_sub(c.i32_shl(c.i32_const(1), get("nb")), c.i32_const(1))),
        c.setLocal("winBase", c.i32_add(get("pTable"), c.i32_mul(get("k"), c.i32_shl(c.i32_const(sA), get("w"))))),

        // pass 1: denominators
        resetIter,
        c.block(
          c.loop(
            c.br_if(1, c.i32_eq(get("i"), get("n"))),
            digit,
            c.if(
              c.i32_or(c.i32_eqz(get("d")), c.i32_eqz(flag)),
              c.call(f + "_one", get("pD")),
              [
                ...tablePoint,
                ...c.if(
                  c.call(f + "_eq", get("pT"), get("pAc")),
                  [...c.call(f + "_one", get("pD")), ...setFlag(2)],
                  c.call(f + "_sub", get("pT"), get("pAc"), get("pD")),
                ),
              ],
            ),
            stepIter,
            c.br(0),
          ),
        ),
        c.call(f + "_batchInverse", get("pDen"), c.i32_const(n8), get("n"), get("pDen"), c.i32_const(n8)),

        // pass 2: additions
        resetIter,
        c.block(
          c.loop(
            c.br_if(1, c.i32_eq(get("i"), get("n"))),
            digit,
            c.if(c.i32_ne(get("d"), c.i32_const(0)), [
              ...tablePoint,
              ...c.if(
                c.i32_eqz(flag),
                [...c.call(g + "_copyAffine", get("pT"), get("pAc")), ...setFlag(1)],
                c.if(
                  c.i32_eq(flag, c.i32_const(2)),
                  [
                    ...c.call(g + "_toJacobian", get("pAc"), J),
                    ...c.call(g + "_addMixed", J, get("pT"), J),
                    ...c.if(
                      c.call(g + "_isZero", J),
                      setFlag(0),
                      [...c.call(g + "_toAffine", J, get("pAc")), ...setFlag(1)],
                    ),
                  ],
                  affineAddCode(c, f, n8, get("pAc"), get("pT"), get("pD"), get("pAc"), t),
                ),
              ),
            ]),
            stepIter,
            c.br(0),
          ),
        ),
        inc("k", c.i32_const(1)),
        c.br(0),
      ),
    ),
    // empty accumulators are the zero point (all zero bytes, as snarkjs writes it)
    resetIter,
    c.block(
      c.loop(
        c.br_if(1, c.i32_eq(get("i"), get("n"))),
        c.if(c.i32_eqz(flag), c.call(g + "_zeroAffine", get("pAc"))),
        stepIter,
        c.br(0),
      ),
    ),
  );
  module.exportFunction(g + "_zkrFixedBase");
}
