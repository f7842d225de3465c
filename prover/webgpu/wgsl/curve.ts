/**
 * WGSL layer 3: the curve. G1 (over Fq) and G2 (over Fq2) share one set of formulas, generated
 * per group over that group's field. Both curves have a = 0.
 *
 * Points being summed are XYZZ (x = X/ZZ, y = Y/ZZZ, ZZ³ = ZZZ²): a mixed addition of an affine
 * base costs 8M + 2S and needs no inversion. The point at infinity is ZZ = 0, so a zeroed buffer
 * is a buffer of infinities. Affine bases are the zkey's LEM words; (0, 0), which is not on
 * either curve, is infinity there.
 *
 * Storage helpers are generated per binding (WGSL cannot pass storage pointers around freely):
 * `{group}_load_affine_{buffer}(i)`, `{group}_load_{buffer}(i)`, `{group}_store_{buffer}(i, p)`.
 */
import { FQ, WORDS, fieldWgsl, fq2Wgsl } from "./field.js";

export type GroupName = "g1" | "g2";

/** Per-group facts the generated code and the host need. */
export interface GroupSpec {
  name: GroupName;
  /** WGSL field type and function prefix. */
  F: "Fq" | "Fq2";
  f: "fq" | "fq2";
  /** Base-field elements per coordinate (1 or 2). */
  degree: 1 | 2;
}

export const G1: GroupSpec = { name: "g1", F: "Fq", f: "fq", degree: 1 };
export const G2: GroupSpec = { name: "g2", F: "Fq2", f: "fq2", degree: 2 };

/** u32 words of an affine point (2 coordinates) and of an XYZZ point (4). */
export const affineWords = (g: GroupSpec): number => 2 * g.degree * WORDS;
export const xyzzWords = (g: GroupSpec): number => 4 * g.degree * WORDS;

/** The field and curve code a group's kernels need: Fq (and Fq2 for G2), then the curve. */
export function groupWgsl(g: GroupSpec): string {
  return [fieldWgsl(FQ), g.degree === 2 ? fq2Wgsl() : "", curveWgsl(g)].join("\n\n");
}

/** The XYZZ point type and its formulas. */
export function curveWgsl(g: GroupSpec): string {
  const { F, f } = g;
  const P = g.name === "g1" ? "G1" : "G2";
  const n = g.name;
  return `struct ${P} { x: ${F}, y: ${F}, zz: ${F}, zzz: ${F} }
fn ${n}_inf() -> ${P} { return ${P}(${f.toUpperCase()}_ZERO, ${f.toUpperCase()}_ONE, ${f.toUpperCase()}_ZERO, ${f.toUpperCase()}_ZERO); }
fn ${n}_is_inf(p: ${P}) -> bool { return ${f}_is_zero(p.zz); }
fn ${n}_from_affine(x: ${F}, y: ${F}) -> ${P} { return ${P}(x, y, ${f.toUpperCase()}_ONE, ${f.toUpperCase()}_ONE); }

// Doubling of an affine point (mdbl-2008-s-1).
fn ${n}_mdbl(x1: ${F}, y1: ${F}) -> ${P} {
  let u = ${f}_double(y1);
  let v = ${f}_sqr(u);
  let w = ${f}_mul(u, v);
  let s = ${f}_mul(x1, v);
  let xx = ${f}_sqr(x1);
  let m = ${f}_add(${f}_double(xx), xx);
  let x3 = ${f}_sub(${f}_sqr(m), ${f}_double(s));
  let y3 = ${f}_sub(${f}_mul(m, ${f}_sub(s, x3)), ${f}_mul(w, y1));
  return ${P}(x3, y3, v, w);
}

// Doubling (dbl-2008-s-1, a = 0).
fn ${n}_dbl(p: ${P}) -> ${P} {
  if (${n}_is_inf(p)) { return p; }
  let u = ${f}_double(p.y);
  let v = ${f}_sqr(u);
  let w = ${f}_mul(u, v);
  let s = ${f}_mul(p.x, v);
  let xx = ${f}_sqr(p.x);
  let m = ${f}_add(${f}_double(xx), xx);
  let x3 = ${f}_sub(${f}_sqr(m), ${f}_double(s));
  let y3 = ${f}_sub(${f}_mul(m, ${f}_sub(s, x3)), ${f}_mul(w, p.y));
  return ${P}(x3, y3, ${f}_mul(v, p.zz), ${f}_mul(w, p.zzz));
}

// p + (x2, y2) with (x2, y2) affine and not infinity (madd-2008-s, with its exceptions).
fn ${n}_madd(p: ${P}, x2: ${F}, y2: ${F}) -> ${P} {
  if (${n}_is_inf(p)) { return ${n}_from_affine(x2, y2); }
  let u2 = ${f}_mul(x2, p.zz);
  let s2 = ${f}_mul(y2, p.zzz);
  let pp_ = ${f}_sub(u2, p.x);
  let r = ${f}_sub(s2, p.y);
  if (${f}_is_zero(pp_)) {
    if (${f}_is_zero(r)) { return ${n}_mdbl(x2, y2); }
    return ${n}_inf();
  }
  let pp = ${f}_sqr(pp_);
  let ppp = ${f}_mul(pp_, pp);
  let q = ${f}_mul(p.x, pp);
  let x3 = ${f}_sub(${f}_sub(${f}_sqr(r), ppp), ${f}_double(q));
  let y3 = ${f}_sub(${f}_mul(r, ${f}_sub(q, x3)), ${f}_mul(p.y, ppp));
  return ${P}(x3, y3, ${f}_mul(p.zz, pp), ${f}_mul(p.zzz, ppp));
}

// p + q (add-2008-s, with its exceptions).
fn ${n}_add(p: ${P}, q: ${P}) -> ${P} {
  if (${n}_is_inf(p)) { return q; }
  if (${n}_is_inf(q)) { return p; }
  let u1 = ${f}_mul(p.x, q.zz);
  let u2 = ${f}_mul(q.x, p.zz);
  let s1 = ${f}_mul(p.y, q.zzz);
  let s2 = ${f}_mul(q.y, p.zzz);
  let pp_ = ${f}_sub(u2, u1);
  let r = ${f}_sub(s2, s1);
  if (${f}_is_zero(pp_)) {
    if (${f}_is_zero(r)) { return ${n}_dbl(p); }
    return ${n}_inf();
  }
  let pp = ${f}_sqr(pp_);
  let ppp = ${f}_mul(pp_, pp);
  let q1 = ${f}_mul(u1, pp);
  let x3 = ${f}_sub(${f}_sub(${f}_sqr(r), ppp), ${f}_double(q1));
  let y3 = ${f}_sub(${f}_mul(r, ${f}_sub(q1, x3)), ${f}_mul(s1, ppp));
  return ${P}(x3, y3, ${f}_mul(${f}_mul(p.zz, q.zz), pp), ${f}_mul(${f}_mul(p.zzz, q.zzz), ppp));
}

// k·p for a small k (double and add from the top bit; k < 2^32).
fn ${n}_mul_small(p: ${P}, k: u32) -> ${P} {
  var acc = ${n}_inf();
  if (k == 0u) { return acc; }
  let top = 31u - countLeadingZeros(k);
  for (var b: i32 = i32(top); b >= 0; b--) {
    acc = ${n}_dbl(acc);
    if (((k >> u32(b)) & 1u) == 1u) { acc = ${n}_add(acc, p); }
  }
  return acc;
}`;
}

/** Reads field element(s) of a group coordinate at word offset `o` of `buf`. */
function loadCoord(g: GroupSpec, buf: string, o: string): string {
  const one = (off: string) => `fq_unpack(array<u32, ${WORDS}>(${Array.from({ length: WORDS }, (_, i) => `${buf}[${off} + ${i}u]`).join(", ")}))`;
  return g.degree === 1 ? one(o) : `Fq2(${one(o)}, ${one(`${o} + ${WORDS}u`)})`;
}

function storeCoord(g: GroupSpec, buf: string, o: string, v: string): string {
  const one = (off: string, e: string) =>
    `{ let w = fq_pack(${e});\n${Array.from({ length: WORDS }, (_, i) => `  ${buf}[${off} + ${i}u] = w[${i}];`).join("\n")} }`;
  return g.degree === 1 ? one(o, v) : `${one(o, `${v}.c0`)}\n${one(`${o} + ${WORDS}u`, `${v}.c1`)}`;
}

/**
 * Storage helpers for buffer `buf` (an `array<u32>` binding): affine loads (returns whether the
 * point is infinity), XYZZ loads and stores.
 */
export function storageWgsl(g: GroupSpec, buf: string, kind: "affine" | "xyzz", access: "read" | "read_write"): string {
  const P = g.name === "g1" ? "G1" : "G2";
  const c = g.degree * WORDS;
  if (kind === "affine") {
    return `struct ${P}Affine { x: ${g.F}, y: ${g.F}, inf: bool }
fn ${g.name}_load_affine_${buf}(i: u32) -> ${P}Affine {
  let o = i * ${2 * c}u;
  let x = ${loadCoord(g, buf, "o")};
  let y = ${loadCoord(g, buf, `o + ${c}u`)};
  return ${P}Affine(x, y, ${g.f}_is_zero(x) && ${g.f}_is_zero(y));
}`;
  }
  const load = `fn ${g.name}_load_${buf}(i: u32) -> ${P} {
  let o = i * ${4 * c}u;
  return ${P}(${[0, 1, 2, 3].map((k) => loadCoord(g, buf, `o + ${k * c}u`)).join(", ")});
}`;
  if (access === "read") return load;
  return `${load}
fn ${g.name}_store_${buf}(i: u32, p: ${P}) {
  let o = i * ${4 * c}u;
  ${storeCoord(g, buf, "o", "p.x")}
  ${storeCoord(g, buf, `o + ${c}u`, "p.y")}
  ${storeCoord(g, buf, `o + ${2 * c}u`, "p.zz")}
  ${storeCoord(g, buf, `o + ${3 * c}u`, "p.zzz")}
}`;
}
