/** Reading back bench/gas.ts's recorded results for the circuit table (bench/proofs.ts). */
import fs from "node:fs";
import path from "node:path";

/** The latest bench/gas.ts result for a configuration: gas and whole-call calldata per slot of a transfers batch. */
export function gasFromResults(dir: string, config: string): { gasPerTx: number; calldataBytesPerSlot: number; source: string } | { why: string } {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^gas-.*\.json$/.test(f)).sort().reverse() : [];
  for (const f of files) {
    const data = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as { rows?: { config: string; batch?: { transfers?: { perSlot: number; calldataBytesPerSlot: number } } }[] };
    const row = data.rows?.find((r) => r.config === config)?.batch?.transfers;
    if (row) return { gasPerTx: row.perSlot, calldataBytesPerSlot: row.calldataBytesPerSlot, source: `bench/results/${f} (bench/gas.ts on anvil: submitBatch gasUsed of a full batch of transfers ÷ slots, 21,000 base included)` };
  }
  return { why: `no bench/gas.ts result for ${config}: run \`npx tsx bench/gas.ts --configs ${config.replace("rollup_", "")}\`` };
}
