/**
 * WGSL: the exclusive prefix sum of u32 counters (the MSM's step 2, bucket offsets from the
 * histogram), in blocks of 512 per workgroup; the driver (prover/webgpu/msm.ts) scans the block
 * totals level by level and adds them back.
 */
import { ENTRY, ID } from "./entry.js";

/** Elements one workgroup scans (256 threads × 2). */
export const SCAN_BLOCK = 512;

/** Exclusive scan of each block of 512 u32 in place; block totals to `sums`. */
export function scanBlockKernel(): string {
  return `struct Params { n: u32 }
@group(0) @binding(0) var<storage, read_write> data: array<u32>;
@group(0) @binding(1) var<storage, read_write> sums: array<u32>;
@group(0) @binding(2) var<uniform> prm: Params;
var<workgroup> tmp: array<u32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let block = wid.x + wid.y * nwg.x;
  let base = block * 512u + lid.x * 2u;
  var a = 0u;
  var b = 0u;
  if (base < prm.n) { a = data[base]; }
  if (base + 1u < prm.n) { b = data[base + 1u]; }
  tmp[lid.x] = a + b;
  workgroupBarrier();
  // Hillis–Steele inclusive scan of the 256 pair sums
  for (var d = 1u; d < 256u; d = d << 1u) {
    var v = tmp[lid.x];
    if (lid.x >= d) { v = v + tmp[lid.x - d]; }
    workgroupBarrier();
    tmp[lid.x] = v;
    workgroupBarrier();
  }
  let before = tmp[lid.x] - a - b;
  if (base < prm.n) { data[base] = before; }
  if (base + 1u < prm.n) { data[base + 1u] = before + a; }
  if (lid.x == 255u) { sums[block] = tmp[255]; }
}`;
}

/** Adds each block's scanned total to its elements. */
export function scanAddKernel(): string {
  return `struct Params { n: u32 }
@group(0) @binding(0) var<storage, read_write> data: array<u32>;
@group(0) @binding(1) var<storage, read> sums: array<u32>;
@group(0) @binding(2) var<uniform> prm: Params;
${ENTRY} {
  ${ID}
  if (id >= prm.n) { return; }
  data[id] = data[id] + sums[id / 512u];
}`;
}
