/**
 * The entry point of every kernel dispatched through Gpu.dispatch (prover/webgpu/device.ts):
 * workgroups of 64 threads, the thread count split over x and y when it exceeds the per-dimension
 * limit, so a kernel computes its id as x + y·64·num_workgroups.x.
 */
export const ENTRY = "@compute @workgroup_size(64)\nfn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>)";
export const ID = "let id = gid.x + gid.y * nwg.x * 64u;";
