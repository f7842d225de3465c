/**
 * Times the insecure single-party dev setup (circuits/devsetup.ts) against snarkjs's own path
 * to the same kind of files, at the same power on the same circuit:
 *
 *   snarkjs: powersoftau new -> contribute -> beacon -> prepare phase2 -> zkey new -> zkey contribute
 *   dev:     devSetup (ptau + zkey)
 *
 *   npx tsx bench/setup-dev.ts --power 12                  # a generated circuit of ~0.75 * 2^12 constraints
 *   npx tsx bench/setup-dev.ts --r1cs build/circuits/rollup_4x8/rollup.r1cs --no-snarkjs
 *
 * Options: --power P, --r1cs FILE (default: a generated chain-of-products circuit that needs
 * exactly 2^P), --no-snarkjs (time the dev setup only), --verify (also run snarkjs's verifiers
 * on the dev files), --out FILE (default bench/results/setup-<power>.json, or
 * setup-<power>-<r1cs name>.json with --r1cs).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { getCurveFromName } from "ffjavascript";
import * as snarkjs from "snarkjs";
import { devSetup } from "../circuits/devsetup.js";
import { circuitPower } from "../circuits/files.js";
import { readR1cs } from "../circuits/setup/binfile.js";
import { compileCircomFile as compileCircom } from "../circuits/build.js";

import { ROOT } from "../core/paths.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const quiet = { info() {}, warn() {}, error() {}, debug() {} };

async function timed<T>(label: string, f: () => Promise<T>, into: Record<string, number>): Promise<T> {
  const t = performance.now();
  const r = await f();
  into[label] = Math.round((performance.now() - t) / 10) / 100;
  console.log(`  ${label}: ${into[label].toFixed(2)} s`);
  return r;
}

/** A circuit whose snarkjs power is exactly `power`: a chain of ~0.75 * 2^power products. */
async function generatedCircuit(power: number, dir: string): Promise<string> {
  const n = Math.max(2, Math.floor(0.75 * 2 ** power));
  const file = path.join(dir, `chain_${n}.circom`);
  const r1cs = path.join(dir, `chain_${n}.r1cs`);
  if (fs.existsSync(r1cs)) return r1cs;
  fs.writeFileSync(
    file,
    `pragma circom 2.1.0;
template Chain(n) {
    signal input a;
    signal input b;
    signal input pub;
    signal output out;
    signal acc[n];
    acc[0] <== a * b + pub;
    for (var i = 1; i < n; i++) {
        acc[i] <== acc[i - 1] * (acc[i - 1] + pub) + i;
    }
    out <== acc[n - 1] * a;
}
component main {public [pub]} = Chain(${n});
`,
  );
  console.log(`compiling a ${n}-product circuit…`);
  await compileCircom(file, dir);
  return r1cs;
}

async function main(): Promise<void> {
  const r1csArg = arg("r1cs");
  const powerArg = arg("power");
  if (!r1csArg && !powerArg) throw new Error("give --power P (generated circuit) or --r1cs FILE");
  // Other processes on the machine distort timings: record the load before starting.
  const loadBefore = Math.round(os.loadavg()[0] * 100) / 100;
  const work = path.join(ROOT, "build", "bench-setup");
  fs.mkdirSync(work, { recursive: true });
  const r1csFile = r1csArg ? path.resolve(r1csArg) : await generatedCircuit(Number(powerArg), work);
  const info = readR1cs(r1csFile);
  const nPublic = info.nOutputs + info.nPubInputs;
  const power = powerArg ? Number(powerArg) : circuitPower(info.nConstraints, nPublic);
  console.log(`${path.relative(ROOT, r1csFile)}: ${info.nConstraints} constraints, ${info.nVars} wires, ${nPublic} public; power ${power}`);

  // ---- dev setup ----
  const devPtau = path.join(work, `dev_${power}.ptau`);
  const devZkey = path.join(work, `dev_${power}.zkey`);
  console.log("dev setup:");
  const t0 = performance.now();
  const dev = await devSetup({ r1csFile, ptauOut: devPtau, zkeyOut: devZkey, power });
  const devTotal = (performance.now() - t0) / 1000;
  console.log(`  ptau: ${dev.seconds.ptau.toFixed(2)} s, zkey: ${dev.seconds.zkey.toFixed(2)} s, total ${devTotal.toFixed(2)} s`);

  let verified: { ptau: boolean; zkey: boolean; seconds: number } | undefined;
  if (flag("verify")) {
    const t = performance.now();
    const ptauOk = (await snarkjs.powersOfTau.verify(devPtau, quiet)) === true;
    const zkeyOk = (await snarkjs.zKey.verifyFromR1cs(r1csFile, devPtau, devZkey, quiet)) === true;
    verified = { ptau: ptauOk, zkey: zkeyOk, seconds: Math.round((performance.now() - t) / 100) / 10 };
    console.log(`  snarkjs verify: ptau ${ptauOk}, zkey ${zkeyOk} (${verified.seconds} s)`);
  }

  // ---- snarkjs ----
  let snark: { steps: Record<string, number>; total: number } | undefined;
  if (!flag("no-snarkjs")) {
    console.log("snarkjs:");
    const steps: Record<string, number> = {};
    const f = (s: string) => path.join(work, `snarkjs_${power}_${s}`);
    const curve = await getCurveFromName("bn128");
    const ts = performance.now();
    await timed("powersoftau new", () => snarkjs.powersOfTau.newAccumulator(curve, power, f("0.ptau"), quiet), steps);
    await timed("powersoftau contribute", () => snarkjs.powersOfTau.contribute(f("0.ptau"), f("1.ptau"), "bench", "bench entropy", quiet), steps);
    await timed("powersoftau beacon", () => snarkjs.powersOfTau.beacon(f("1.ptau"), f("2.ptau"), "beacon", "0102030405060708090a0b0c0d0e0f", 10, quiet), steps);
    await timed("powersoftau prepare phase2", () => snarkjs.powersOfTau.preparePhase2(f("2.ptau"), f("final.ptau"), quiet), steps);
    await timed("zkey new", () => snarkjs.zKey.newZKey(r1csFile, f("final.ptau"), f("0.zkey"), quiet), steps);
    await timed("zkey contribute", () => snarkjs.zKey.contribute(f("0.zkey"), f("1.zkey"), "bench", "bench entropy", quiet), steps);
    const total = (performance.now() - ts) / 1000;
    console.log(`  total ${total.toFixed(2)} s`);
    snark = { steps, total: Math.round(total * 100) / 100 };
    await curve.terminate();
    for (const s of ["0.ptau", "1.ptau", "2.ptau", "final.ptau", "0.zkey", "1.zkey"]) fs.rmSync(f(s), { force: true });
  }
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();

  const ratio = snark ? snark.total / devTotal : undefined;
  if (ratio) console.log(`ratio snarkjs / dev: ${ratio.toFixed(1)}x`);
  const result = {
    power,
    circuit: {
      r1cs: path.relative(ROOT, r1csFile),
      constraints: info.nConstraints,
      wires: info.nVars,
      publicSignals: nPublic,
    },
    machine: {
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      loadAverage1mBefore: loadBefore,
    },
    dev: { ptau: round(dev.seconds.ptau), zkey: round(dev.seconds.zkey), total: round(devTotal), ...(verified ? { snarkjsVerify: verified } : {}) },
    ...(snark ? { snarkjs: snark, ratio: round(ratio as number) } : {}),
    at: new Date().toISOString(),
  };
  const out =
    arg("out") ?? path.join(ROOT, "bench", "results", r1csArg ? `setup-${power}-${path.basename(r1csFile, ".r1cs")}.json` : `setup-${power}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
  console.log(`wrote ${path.relative(ROOT, out)}`);
  fs.rmSync(devPtau, { force: true });
  fs.rmSync(devZkey, { force: true });
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
