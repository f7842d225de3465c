/**
 * Probe kernels for the tests of the WGSL layers (test/prover.webgpu.test.ts): field and curve
 * operations on pairs of inputs, compared there with bigint and ffjavascript. Not used by the
 * backend.
 */
import { FQ, FR, fieldWgsl, WORDS } from "./field.js";
import { groupWgsl, storageWgsl, type GroupSpec } from "./curve.js";
import { ENTRY, ID } from "./entry.js";

/** Field ops on pairs: out[4i..4i+3] = a·b, a+b, a−b, a² (Montgomery inputs, packed words). */
export function fieldProbeKernel(field: "fq" | "fr"): string {
  const spec = field === "fq" ? FQ : FR;
  return `${fieldWgsl(spec)}
struct Params { n: u32 }
@group(0) @binding(0) var<storage, read> inp: array<u32>;
@group(0) @binding(1) var<storage, read_write> outp: array<u32>;
@group(0) @binding(2) var<uniform> prm: Params;
fn ld(i: u32) -> ${field === "fq" ? "Fq" : "Fr"} {
  return ${field}_unpack(array<u32, ${WORDS}>(${Array.from({ length: WORDS }, (_, k) => `inp[i * ${WORDS}u + ${k}u]`).join(", ")}));
}
fn st(i: u32, v: ${field === "fq" ? "Fq" : "Fr"}) {
  let w = ${field}_pack(v);
${Array.from({ length: WORDS }, (_, k) => `  outp[i * ${WORDS}u + ${k}u] = w[${k}];`).join("\n")}
}
${ENTRY} {
  ${ID}
  if (id >= prm.n) { return; }
  let a = ld(2u * id);
  let b = ld(2u * id + 1u);
  st(4u * id, ${field}_mul(a, b));
  st(4u * id + 1u, ${field}_add(a, b));
  st(4u * id + 2u, ${field}_sub(a, b));
  st(4u * id + 3u, ${field}_sqr(a));
}`;
}

/**
 * Curve ops on pairs of affine points (P, Q): out = P + Q (mixed add), 2(P + Q), 2P + Q, 5P.
 * Every XYZZ addition goes through one call site (doubling is add(x, x)): software compilers
 * inline each call, and a G2 probe with a dozen sites takes them many minutes to compile.
 */
export function curveProbeKernel(g: GroupSpec): string {
  const n = g.name;
  return `${groupWgsl(g)}
struct Params { n: u32 }
@group(0) @binding(0) var<storage, read> pts: array<u32>;
@group(0) @binding(1) var<storage, read_write> res: array<u32>;
@group(0) @binding(2) var<uniform> prm: Params;
${storageWgsl(g, "pts", "affine", "read")}
${storageWgsl(g, "res", "xyzz", "read_write")}
${ENTRY} {
  ${ID}
  if (id >= prm.n) { return; }
  let a = ${n}_load_affine_pts(2u * id);
  let b = ${n}_load_affine_pts(2u * id + 1u);
  var pa = ${n}_inf();
  if (!a.inf) { pa = ${n}_from_affine(a.x, a.y); }
  var pb = ${n}_inf();
  if (!b.inf) { pb = ${n}_from_affine(b.x, b.y); }
  var s = pa;
  if (!b.inf) { s = ${n}_madd(pa, b.x, b.y); }
  // 2(P+Q), 2P, 2P + Q, 4P, 5P, one step per iteration (no dynamic indexing of point arrays:
  // llvmpipe turns that into code that runs for minutes)
  var d = s;
  var p2 = s;
  var p2q = s;
  var p4 = s;
  var p5 = s;
  for (var k = 0u; k < 5u; k++) {
    var x = s;
    var y = s;
    if (k == 1u) { x = pa; y = pa; } else if (k == 2u) { x = p2; y = pb; } else if (k == 3u) { x = p2; y = p2; } else if (k == 4u) { x = p4; y = pa; }
    let r = ${n}_add(x, y);
    if (k == 0u) { d = r; } else if (k == 1u) { p2 = r; } else if (k == 2u) { p2q = r; } else if (k == 3u) { p4 = r; } else { p5 = r; }
  }
  ${n}_store_res(4u * id, s);
  ${n}_store_res(4u * id + 1u, d);
  ${n}_store_res(4u * id + 2u, p2q);
  ${n}_store_res(4u * id + 3u, p5);
}`;
}
