/**
 * Times each step of a multi-party ceremony (snarkjs underneath) at given powers of tau, on a toy
 * circuit sized to fill the power, and the dev setup on the same circuit for comparison.
 *
 *   npx tsx bench/ceremony.ts --powers 8,10,12
 *
 * Writes bench/results/ceremony-<date>.json with the machine.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT, compileCircomFile } from "../circuits/build.js";
import { Ceremony, contributionEntropy } from "../circuits/ceremony.js";
import { devSetup } from "../circuits/devsetup.js";
import { releaseSnarkjs } from "../circuits/witness.js";

const { values } = parseArgs({ options: { powers: { type: "string", default: "8,10,12" } } });
const powers = String(values.powers).split(",").map(Number);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-ceremony-bench-"));
const rows: Array<Record<string, number>> = [];
try {
  for (const power of powers) {
    // CeremonyToy(n) has n constraints and 2 public signals: fill 2^power without crossing it.
    const n = 2 ** power - 8;
    const src = path.join(tmp, `toy${power}.circom`);
    fs.writeFileSync(src, fs.readFileSync(path.join(ROOT, "test/circuits/ceremony_toy.circom"), "utf8").replace("CeremonyToy(40)", `CeremonyToy(${n})`));
    const art = await compileCircomFile(src, path.join(tmp, `toy${power}`));
    const row: Record<string, number> = { power };
    const time = async (name: string, fn: () => Promise<unknown>) => {
      const t = performance.now();
      await fn();
      row[name] = Math.round((performance.now() - t) / 100) / 10;
      console.error(`2^${power} ${name}: ${row[name]} s`);
    };
    const dir = path.join(tmp, `c${power}`);
    let c!: Ceremony;
    await time("phase1New", async () => (c = await Ceremony.newPhase1(dir, power)));
    await time("phase1Contribute", () => c.contributePhase1("a", contributionEntropy()));
    await time("phase1Beacon", () => c.beaconPhase1("0123456789abcdef", 10));
    await time("phase1Prepare", () => c.preparePhase1());
    await time("phase2New", () => c.newPhase2("toy", art.r1cs));
    await time("phase2Contribute", () => c.contributePhase2("toy", "b", contributionEntropy()));
    await time("phase2Beacon", () => c.beaconPhase2("toy", "0123456789abcdef", 10));
    await time("verifyAll", () => c.verify());
    row.ceremonyTotal = Math.round(Object.entries(row).filter(([k]) => k !== "power" && k !== "verifyAll").reduce((a, [, v]) => a + v, 0) * 10) / 10;
    await time("devSetup", () => devSetup({ r1csFile: art.r1cs, ptauOut: path.join(tmp, `dev${power}.ptau`), zkeyOut: path.join(tmp, `dev${power}.zkey`), power }));
    row.speedup = Math.round((row.ceremonyTotal / row.devSetup) * 10) / 10;
    rows.push(row);
  }
} finally {
  await releaseSnarkjs();
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log("| power | p1 new | p1 contribute | p1 beacon | p1 prepare | p2 new | p2 contribute | p2 beacon | verify all | setup total | dev setup | speed-up |");
console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows) {
  console.log(`| 2^${r.power} | ${r.phase1New} | ${r.phase1Contribute} | ${r.phase1Beacon} | ${r.phase1Prepare} | ${r.phase2New} | ${r.phase2Contribute} | ${r.phase2Beacon} | ${r.verifyAll} | ${r.ceremonyTotal} | ${r.devSetup} | ${r.speedup}× |`);
}
const machine = { cpu: os.cpus()[0]?.model, cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
const out = path.join(ROOT, "bench", "results", `ceremony-${new Date().toISOString().slice(0, 10)}.json`);
fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), machine, unit: "seconds", rows }, null, 2) + "\n");
console.log(`written to ${path.relative(process.cwd(), out)}`);
