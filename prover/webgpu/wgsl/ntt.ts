/**
 * WGSL layer 5: the NTT kernels over Fr (radix 2, in place, one dispatch per stage; the driver is
 * prover/webgpu/ntt.ts). Values stay in standard form: the twiddles and factors are in Montgomery
 * form, and mont(a, b·2^256) = a·b.
 */
import { FR, fieldWgsl, WORDS } from "./field.js";
import { ENTRY, ID } from "./entry.js";

const NTT_PARAMS = `struct Params { n: u32, logn: u32, h: u32, flag: u32 }`;
const frLoad = (buf: string) => `fn load_${buf}(i: u32) -> Fr {
  return fr_unpack(array<u32, ${WORDS}>(${Array.from({ length: WORDS }, (_, k) => `${buf}[i * ${WORDS}u + ${k}u]`).join(", ")}));
}`;
const frStore = (buf: string) => `fn store_${buf}(i: u32, v: Fr) {
  let w = fr_pack(v);
${Array.from({ length: WORDS }, (_, k) => `  ${buf}[i * ${WORDS}u + ${k}u] = w[${k}];`).join("\n")}
}`;

/** tab[e] = lo[e mod 2^h] · hi[e >> h] (Montgomery), for e < n (`n` here is the table's length). */
export function powTableKernel(): string {
  return `${fieldWgsl(FR)}
${NTT_PARAMS}
@group(0) @binding(0) var<storage, read> lo: array<u32>;
@group(0) @binding(1) var<storage, read> hi: array<u32>;
@group(0) @binding(2) var<storage, read_write> tab: array<u32>;
@group(0) @binding(3) var<uniform> prm: Params;
${frLoad("lo")}
${frLoad("hi")}
${frStore("tab")}
${ENTRY} {
  ${ID}
  if (id >= prm.n) { return; }
  store_tab(id, fr_mul(load_lo(id & ((1u << prm.h) - 1u)), load_hi(id >> prm.h)));
}`;
}

/** out[bitrev(i)] = in[i] · f[i] (f Montgomery; flag 0: no factors). */
export function nttPrepKernel(): string {
  return `${fieldWgsl(FR)}
${NTT_PARAMS}
@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
@group(0) @binding(2) var<storage, read> factors: array<u32>;
@group(0) @binding(3) var<uniform> prm: Params;
${frLoad("src")}
${frLoad("factors")}
${frStore("dst")}
${ENTRY} {
  ${ID}
  if (id >= prm.n) { return; }
  var v = load_src(id);
  if (prm.flag == 1u) { v = fr_mul(v, load_factors(id)); }
  var j = 0u;
  if (prm.logn > 0u) { j = reverseBits(id) >> (32u - prm.logn); }
  store_dst(j, v);
}`;
}

/** One radix-2 stage (`h` = log2 of the half-size) on n/2 butterflies; tw[e] = ω^e, e < n/2. */
export function nttStageKernel(): string {
  return `${fieldWgsl(FR)}
${NTT_PARAMS}
@group(0) @binding(0) var<storage, read_write> x: array<u32>;
@group(0) @binding(1) var<storage, read> tw: array<u32>;
@group(0) @binding(2) var<uniform> prm: Params;
${frLoad("x")}
${frStore("x")}
${frLoad("tw")}
${ENTRY} {
  ${ID}
  if (id >= (prm.n >> 1u)) { return; }
  let m = 1u << prm.h;
  let k = id & (m - 1u);
  let i0 = ((id >> prm.h) << (prm.h + 1u)) | k;
  let i1 = i0 + m;
  let t = fr_mul(load_x(i1), load_tw(k << (prm.logn - 1u - prm.h)));
  let a = load_x(i0);
  store_x(i0, fr_add(a, t));
  store_x(i1, fr_sub(a, t));
}`;
}

/** x[i] = x[i] · f[i] (the inverse transform's 1/n and coset factors). */
export function nttScaleKernel(): string {
  return `${fieldWgsl(FR)}
${NTT_PARAMS}
@group(0) @binding(0) var<storage, read_write> x: array<u32>;
@group(0) @binding(1) var<storage, read> factors: array<u32>;
@group(0) @binding(2) var<uniform> prm: Params;
${frLoad("x")}
${frStore("x")}
${frLoad("factors")}
${ENTRY} {
  ${ID}
  if (id >= prm.n) { return; }
  store_x(id, fr_mul(load_x(id), load_factors(id)));
}`;
}
