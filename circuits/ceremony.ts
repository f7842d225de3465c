/**
 * A multi-party trusted-setup ceremony kept in one folder, driven by snarkjs underneath.
 *
 * The folder holds every intermediate file and a transcript (`ceremony.json`) listing them in
 * order with their contribution hashes and SHA-256 digests:
 *
 *     ceremony.json
 *     phase1/0000_new.ptau, 0001_<name>.ptau, …, prepared.ptau
 *     phase2/<circuit>/0000_new.zkey, 0001_<name>.zkey, …
 *
 * Every step writes to a temporary name and renames into place only when complete, and the
 * transcript is rewritten atomically after each step: a crash loses at most the step that was
 * running, and running the command again resumes from the last finished file.
 *
 * `verify` checks the whole transcript: every file's digest, then snarkjs's own verification of
 * each file in order, so that a bad contribution is named by its position and contributor.
 */
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { checkZkeyMatchesR1cs, circuitPower, FileFormatError, inspectPtau, inspectR1cs, inspectZkey } from "./files.js";
import { readSection, readSections, requireSection } from "../core/binfile.js";
import { releaseSnarkjs } from "./witness.js";
import writeFileAtomic from "write-file-atomic";
import { ZkrError } from "../core/errors.js";
import { sha256File } from "../core/files.js";
import type { OnProgress } from "../core/progress.js";

/** One file of the transcript. */
export interface CeremonyStep {
  /** Path relative to the ceremony folder. */
  file: string;
  kind: "new" | "import" | "contribute" | "beacon" | "prepare";
  name?: string;
  /** The contribution hash snarkjs computed (hex), for contributions and beacons. */
  contributionHash?: string;
  sha256: string;
  at: string;
}

/** The transcript, `ceremony.json`. */
export interface Transcript {
  version: 1;
  power: number;
  phase1: CeremonyStep[];
  prepared?: CeremonyStep;
  phase2: Record<string, { r1cs: string; r1csSha256: string; steps: CeremonyStep[] }>;
}

/** A ceremony step could not be done; says what and with which file. */
export class CeremonyError extends ZkrError {
  override name = "CeremonyError";
}

/** Lines snarkjs logs, forwarded to the caller. */
export interface CeremonyLog {
  info(line: string): void;
  /** Progress of snarkjs's long sections ("Importing tauG1: 512/1024", "fft 12..."). */
  progress?: OnProgress;
}

/**
 * A logger in the shape snarkjs expects; errors are collected so failures can be explained. Its
 * debug lines that count ("<what>: i/n") or announce a long step ("<what>...") become progress;
 * the rest of them (hashes, values) are dropped.
 */
function snarkLogger(log: CeremonyLog | undefined, errors: string[]) {
  return {
    info: (m: string) => log?.info(m),
    debug: (m: string) => {
      const counted = /^(.*?):?\s+(\d+)\/(\d+)\s*$/.exec(m);
      if (counted) log?.progress?.({ step: counted[1], done: Number(counted[2]), total: Number(counted[3]), unit: "points" });
      else if (m.endsWith("...")) log?.progress?.({ step: m.slice(0, -3), done: 0, total: 0, unit: "" });
    },
    warn: (m: string) => log?.info(`warning: ${m}`),
    error: (m: string) => {
      errors.push(m);
      log?.info(`error: ${m}`);
    },
  };
}

async function snark() {
  return (await import("snarkjs")) as unknown as {
    powersOfTau: Record<string, (...a: unknown[]) => Promise<unknown>>;
    zKey: Record<string, (...a: unknown[]) => Promise<unknown>>;
  };
}

async function bn128() {
  const { getCurveFromName } = (await import("ffjavascript")) as unknown as { getCurveFromName(n: string): Promise<unknown> };
  return getCurveFromName("bn128");
}

const require_resolve = createRequire(import.meta.url).resolve;


function hex(bytes: unknown): string | undefined {
  return bytes instanceof Uint8Array ? Buffer.from(bytes).toString("hex") : undefined;
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 40) || "anon";
}

/** Entropy for a contribution: the user's text mixed with 64 bytes from the OS. */
export function contributionEntropy(userText?: string): string {
  return createHash("sha512").update(randomBytes(64)).update(userText ?? "").digest("hex");
}

/** A ceremony folder. */
export class Ceremony {
  private constructor(
    readonly dir: string,
    private t: Transcript,
  ) {}

  /** The transcript as it stands. */
  get transcript(): Readonly<Transcript> {
    return this.t;
  }

  /** Opens an existing ceremony folder. */
  static open(dir: string): Ceremony {
    const file = path.join(dir, "ceremony.json");
    if (!fs.existsSync(file)) throw new CeremonyError(`${dir}: no ceremony here (ceremony.json missing); start one with 'zkr ceremony phase1 new' or 'phase1 import'`);
    const t = JSON.parse(fs.readFileSync(file, "utf8")) as Transcript;
    if (t.version !== 1) throw new CeremonyError(`${file}: transcript version 1 expected, got ${String(t.version)}`);
    const c = new Ceremony(dir, t);
    c.cleanTemporaries();
    return c;
  }

  private static create(dir: string, power: number): Ceremony {
    if (fs.existsSync(path.join(dir, "ceremony.json"))) throw new CeremonyError(`${dir}: a ceremony already exists here`);
    fs.mkdirSync(path.join(dir, "phase1"), { recursive: true });
    return new Ceremony(dir, { version: 1, power, phase1: [], phase2: {} });
  }

  /** Starts phase 1 with a fresh accumulator of 2^power. */
  static async newPhase1(dir: string, power: number, log?: CeremonyLog): Promise<Ceremony> {
    if (!Number.isInteger(power) || power < 1 || power > 28) throw new CeremonyError(`power: an integer in 1..28 expected, got ${power}`);
    const c = Ceremony.create(dir, power);
    const s = await snark();
    const curve = await bn128();
    await c.step("phase1", "0000_new.ptau", "new", undefined, async (out) => {
      await s.powersOfTau.newAccumulator(curve, power, out, snarkLogger(log, []));
      return undefined;
    });
    await releaseSnarkjs();
    return c;
  }

  /**
   * Starts from an existing powers-of-tau file (e.g. the Perpetual Powers of Tau), after
   * verifying it with snarkjs. The file is copied into the ceremony.
   */
  static async importPhase1(dir: string, ptauFile: string, log?: CeremonyLog): Promise<Ceremony> {
    const info = inspectPtau(ptauFile);
    if (info.power !== info.ceremonyPower) {
      log?.info(`${ptauFile}: reduced from 2^${info.ceremonyPower} to 2^${info.power}; no further contributions can be made to it`);
    }
    const errors: string[] = [];
    const s = await snark();
    const ok = await s.powersOfTau.verify(ptauFile, snarkLogger(log, errors));
    await releaseSnarkjs();
    if (ok !== true) throw new CeremonyError(`${ptauFile}: powers of tau do not verify: ${errors.join("; ") || "snarkjs rejected the file"}`);
    const c = Ceremony.create(dir, info.power);
    const name = info.prepared ? "prepared.ptau" : "0000_import.ptau";
    await c.step("phase1", name, "import", path.basename(ptauFile), async (out) => {
      fs.copyFileSync(ptauFile, out);
      return undefined;
    });
    if (info.prepared) c.t.prepared = c.t.phase1[c.t.phase1.length - 1];
    c.save();
    return c;
  }

  private lastPhase1(): CeremonyStep {
    const last = this.t.phase1[this.t.phase1.length - 1];
    if (!last) throw new CeremonyError(`${this.dir}: phase 1 has no file`);
    return last;
  }

  private requireOpenPhase1(): void {
    if (this.t.prepared) throw new CeremonyError(`${this.dir}: phase 1 is already prepared for phase 2; contributions to it are closed`);
  }

  /** Adds a phase-1 contribution; returns its hash (hex). */
  async contributePhase1(name: string, entropy: string, log?: CeremonyLog): Promise<string> {
    this.requireOpenPhase1();
    const prev = this.abs(this.lastPhase1().file);
    const n = this.t.phase1.length;
    const s = await snark();
    const hash = await this.step("phase1", `${String(n).padStart(4, "0")}_${slug(name)}.ptau`, "contribute", name, async (out) =>
      hex(await s.powersOfTau.contribute(prev, out, name, entropy, snarkLogger(log, []))),
    );
    await releaseSnarkjs();
    return hash!;
  }

  /** Closes phase 1 with a random beacon (hex) iterated 2^iterations times; returns its hash. */
  async beaconPhase1(beaconHex: string, iterations: number, log?: CeremonyLog): Promise<string> {
    this.requireOpenPhase1();
    checkBeacon(beaconHex, iterations);
    const prev = this.abs(this.lastPhase1().file);
    const n = this.t.phase1.length;
    const s = await snark();
    const errors: string[] = [];
    const hash = await this.step("phase1", `${String(n).padStart(4, "0")}_beacon.ptau`, "beacon", "beacon", async (out) => {
      const r = await s.powersOfTau.beacon(prev, out, "beacon", beaconHex, iterations, snarkLogger(log, errors));
      if (r === false) throw new CeremonyError(`beacon failed: ${errors.join("; ")}`);
      return hex(r);
    });
    await releaseSnarkjs();
    return hash!;
  }

  /** Computes the Lagrange sections (snarkjs's phase-1 preparation): the slow step. */
  async preparePhase1(log?: CeremonyLog): Promise<void> {
    this.requireOpenPhase1();
    const prev = this.abs(this.lastPhase1().file);
    const s = await snark();
    await this.step("phase1", "prepared.ptau", "prepare", undefined, async (out) => {
      await s.powersOfTau.preparePhase2(prev, out, snarkLogger(log, []));
      return undefined;
    });
    this.t.prepared = this.t.phase1[this.t.phase1.length - 1];
    this.save();
    await releaseSnarkjs();
  }

  /** Starts phase 2 for a circuit from the prepared phase-1 file. */
  async newPhase2(circuit: string, r1csFile: string, log?: CeremonyLog): Promise<void> {
    if (!this.t.prepared) throw new CeremonyError(`${this.dir}: phase 1 is not prepared yet ('zkr ceremony phase1 prepare')`);
    if (this.t.phase2[circuit]) throw new CeremonyError(`${this.dir}: phase 2 for ${circuit} already started`);
    const r1cs = inspectR1cs(r1csFile);
    const need = circuitPower(r1cs.nConstraints, r1cs.nOutputs + r1cs.nPubInputs);
    if (need > this.t.power) {
      throw new CeremonyError(`${r1csFile}: needs powers of tau of 2^${need} (${r1cs.nConstraints} constraints), the ceremony has 2^${this.t.power}`);
    }
    const copy = path.join("phase2", circuit, "circuit.r1cs");
    fs.mkdirSync(path.join(this.dir, "phase2", circuit), { recursive: true });
    fs.copyFileSync(r1csFile, this.abs(copy));
    this.t.phase2[circuit] = { r1cs: copy, r1csSha256: sha256File(this.abs(copy)), steps: [] };
    const s = await snark();
    await this.step(circuit, "0000_new.zkey", "new", undefined, async (out) => {
      await s.zKey.newZKey(this.abs(copy), this.abs(this.t.prepared!.file), out, snarkLogger(log, []));
      return undefined;
    });
    await releaseSnarkjs();
  }

  private phase2(circuit: string) {
    const p = this.t.phase2[circuit];
    if (!p || p.steps.length === 0) throw new CeremonyError(`${this.dir}: no phase 2 for ${circuit}; start it with 'zkr ceremony phase2 new'`);
    return p;
  }

  /** Adds a phase-2 contribution for a circuit; returns its hash. */
  async contributePhase2(circuit: string, name: string, entropy: string, log?: CeremonyLog): Promise<string> {
    const p = this.phase2(circuit);
    const prev = this.abs(p.steps[p.steps.length - 1].file);
    const s = await snark();
    const hash = await this.step(circuit, `${String(p.steps.length).padStart(4, "0")}_${slug(name)}.zkey`, "contribute", name, async (out) =>
      hex(await s.zKey.contribute(prev, out, name, entropy, snarkLogger(log, []))),
    );
    await releaseSnarkjs();
    return hash!;
  }

  /** Closes phase 2 of a circuit with a beacon; returns its hash. */
  async beaconPhase2(circuit: string, beaconHex: string, iterations: number, log?: CeremonyLog): Promise<string> {
    checkBeacon(beaconHex, iterations);
    const p = this.phase2(circuit);
    const prev = this.abs(p.steps[p.steps.length - 1].file);
    const s = await snark();
    const errors: string[] = [];
    const hash = await this.step(circuit, `${String(p.steps.length).padStart(4, "0")}_beacon.zkey`, "beacon", "beacon", async (out) => {
      const r = await s.zKey.beacon(prev, out, "beacon", beaconHex, iterations, snarkLogger(log, errors));
      if (r === false) throw new CeremonyError(`beacon failed: ${errors.join("; ")}`);
      return hex(r);
    });
    await releaseSnarkjs();
    return hash!;
  }

  /** The latest zkey of a circuit (the final one once the ceremony is closed). */
  finalZkey(circuit: string): string {
    const p = this.phase2(circuit);
    return this.abs(p.steps[p.steps.length - 1].file);
  }

  /** Writes the verification key (JSON) and the Solidity verifier of a circuit's latest zkey. */
  async export(circuit: string, outDir: string): Promise<{ vkey: string; verifier: string }> {
    const zkey = this.finalZkey(circuit);
    inspectZkey(zkey);
    const s = await snark();
    fs.mkdirSync(outDir, { recursive: true });
    const vk = await s.zKey.exportVerificationKey(zkey);
    const vkey = path.join(outDir, `${circuit}.vkey.json`);
    writeFileAtomic.sync(vkey, JSON.stringify(vk, null, 2) + "\n");
    const template = fs.readFileSync(path.join(path.dirname(require_resolve("snarkjs")), "..", "templates", "verifier_groth16.sol.ejs"), "utf8");
    const sol = (await s.zKey.exportSolidityVerifier(zkey, { groth16: template })) as string;
    const verifier = path.join(outDir, `${circuit}.verifier.sol`);
    writeFileAtomic.sync(verifier, sol);
    await releaseSnarkjs();
    return { vkey, verifier };
  }

  /**
   * Verifies the whole transcript: digests of every file, every phase-1 file with snarkjs in
   * order (a contribution that does not follow from its predecessor is named), the prepared
   * file, and each circuit's zkeys against its r1cs and the prepared file.
   * Returns the problems found; an empty list means the ceremony is sound.
   */
  async verify(log?: CeremonyLog): Promise<string[]> {
    const problems: string[] = [];
    const all = [...this.t.phase1, ...Object.values(this.t.phase2).flatMap((p) => p.steps)];
    for (const step of all) {
      const file = this.abs(step.file);
      if (!fs.existsSync(file)) problems.push(`${step.file}: missing`);
      else if (sha256File(file) !== step.sha256) problems.push(`${step.file}: changed since it was recorded (SHA-256 differs)`);
    }
    for (const [circuit, p] of Object.entries(this.t.phase2)) {
      if (!fs.existsSync(this.abs(p.r1cs)) || sha256File(this.abs(p.r1cs)) !== p.r1csSha256) problems.push(`${circuit}: circuit.r1cs missing or changed`);
    }
    if (problems.length > 0) return problems;

    // Each file must carry the previous file's contribution records unchanged, plus its own: a
    // file that is valid on its own but does not build on its predecessor is a bad contribution.
    const chains: Array<[string, CeremonyStep[], number]> = [
      ["phase 1", this.t.phase1, 7],
      ...Object.entries(this.t.phase2).map(([c, p]) => [`${c} phase 2`, p.steps, 10] as [string, CeremonyStep[], number]),
    ];
    for (const [label, steps, sectionType] of chains) {
      for (let i = 1; i < steps.length; i++) {
        if (steps[i].kind === "prepare") continue;
        const prev = contributionRecords(this.abs(steps[i - 1].file), sectionType);
        const cur = contributionRecords(this.abs(steps[i].file), sectionType);
        if (cur.count !== prev.count + 1 || !cur.records.subarray(0, prev.records.length).equals(prev.records) || !cur.prefix.equals(prev.prefix)) {
          problems.push(`${label} contribution #${i} (${steps[i].name ?? steps[i].kind}, ${steps[i].file}) is bad: it does not build on ${steps[i - 1].file}`);
          return problems;
        }
      }
    }

    const s = await snark();
    try {
      for (let i = 0; i < this.t.phase1.length; i++) {
        const step = this.t.phase1[i];
        if (step.kind === "new") continue; // nothing to verify in a fresh accumulator
        log?.info(`verifying phase 1 file ${step.file}`);
        const errors: string[] = [];
        const ok = await s.powersOfTau.verify(this.abs(step.file), snarkLogger(log, errors)).catch((e: Error) => errors.push(e.message));
        if (ok !== true) {
          problems.push(`phase 1 contribution #${i} (${step.name ?? step.kind}, ${step.file}) is bad: ${errors.join("; ") || "snarkjs rejected it"}`);
          return problems;
        }
      }
      if (!this.t.prepared) problems.push("phase 1 is not prepared yet");
      for (const [circuit, p] of Object.entries(this.t.phase2)) {
        for (let i = 1; i < p.steps.length; i++) {
          const step = p.steps[i];
          log?.info(`verifying ${circuit} phase 2 file ${step.file}`);
          const errors: string[] = [];
          const ok = await s.zKey
            .verifyFromR1cs(this.abs(p.r1cs), this.abs(this.t.prepared!.file), this.abs(step.file), snarkLogger(log, errors))
            .catch((e: Error) => errors.push(e.message));
          if (ok !== true) {
            problems.push(`${circuit} phase 2 contribution #${i} (${step.name ?? step.kind}, ${step.file}) is bad: ${errors.join("; ") || "snarkjs rejected it"}`);
            break;
          }
        }
        if (p.steps.length < 2) problems.push(`${circuit}: phase 2 has no contribution yet`);
      }
    } finally {
      await releaseSnarkjs();
    }
    return problems;
  }

  /** Checks a zkey of this ceremony (or any) against a circuit before use. */
  static checkZkeyFor(zkeyFile: string, r1csFile: string): void {
    checkZkeyMatchesR1cs(zkeyFile, inspectZkey(zkeyFile), r1csFile, inspectR1cs(r1csFile));
  }

  private abs(rel: string): string {
    return path.join(this.dir, rel);
  }

  /** Runs one step into a temporary file, checks it, renames it into place, records it. */
  private async step(
    where: string,
    fileName: string,
    kind: CeremonyStep["kind"],
    name: string | undefined,
    run: (out: string) => Promise<string | undefined>,
  ): Promise<string | undefined> {
    const rel = where === "phase1" ? path.join("phase1", fileName) : path.join("phase2", where, fileName);
    const final = this.abs(rel);
    fs.mkdirSync(path.dirname(final), { recursive: true });
    const tmp = `${final}.partial`;
    fs.rmSync(tmp, { force: true });
    let contributionHash: string | undefined;
    try {
      contributionHash = await run(tmp);
      if (!fs.existsSync(tmp)) throw new CeremonyError(`${rel}: snarkjs wrote no file`);
      if (rel.endsWith(".ptau")) inspectPtau(tmp);
      else inspectZkey(tmp);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      if (err instanceof FileFormatError) throw new CeremonyError(`${rel}: the step produced a bad file: ${err.reason}`);
      throw err;
    }
    fs.renameSync(tmp, final);
    const entry: CeremonyStep = { file: rel, kind, name, contributionHash, sha256: sha256File(final), at: new Date().toISOString() };
    if (where === "phase1") this.t.phase1.push(entry);
    else this.t.phase2[where].steps.push(entry);
    this.save();
    return contributionHash;
  }

  private save(): void {
    writeFileAtomic.sync(path.join(this.dir, "ceremony.json"), JSON.stringify(this.t, null, 2) + "\n");
  }

  /** Removes what a crashed step left behind (never a recorded file). */
  private cleanTemporaries(): void {
    const walk = (d: string) => {
      if (!fs.existsSync(d)) return;
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(".partial")) fs.rmSync(p, { force: true });
      }
    };
    walk(this.dir);
  }
}

/**
 * The contribution records of a ptau (section 7: count, records) or zkey (section 10: circuit
 * hash, count, records). Records are appended, so a file's records start with its predecessor's.
 */
function contributionRecords(file: string, sectionType: number): { prefix: Buffer; count: number; records: Buffer } {
  const { sections, fd } = readSections(file, sectionType === 7 ? "ptau" : "zkey");
  try {
    const buf = readSection(fd, requireSection(file, sections, sectionType, "contributions"));
    const head = sectionType === 7 ? 0 : 64;
    return { prefix: buf.subarray(0, head), count: buf.readUInt32LE(head), records: buf.subarray(head + 4) };
  } finally {
    fs.closeSync(fd);
  }
}

function checkBeacon(beaconHex: string, iterations: number): void {
  if (!/^([0-9a-fA-F]{2}){1,255}$/.test(beaconHex)) throw new CeremonyError(`beacon: 1 to 255 bytes of hex expected, got ${JSON.stringify(beaconHex)}`);
  if (!Number.isInteger(iterations) || iterations < 10 || iterations > 63) throw new CeremonyError(`beacon iterations: an exponent in 10..63 expected, got ${iterations}`);
}

