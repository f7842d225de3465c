/**
 * What the dev setup (circuits/devsetup.ts) reads and writes of the iden3 binary container: its
 * error, the .r1cs it needs (header and raw constraints, through circuits/files.ts), and the
 * writer of its .ptau and .zkey. The container itself is core/binfile.ts's.
 */
import { FileFormatError } from "../../core/binfile.js";
import { ZkrError, type ZkrErrorOptions } from "../../core/errors.js";
import { readR1csFile } from "../files.js";

/** BN254's moduli, from the one curve definition (core/bn254.ts). */
export { BN254_Q, BN254_R } from "../files.js";
import { BN254_R } from "../files.js";
export { BinFileWriter, type SectionSlot } from "../../core/binfile.js";

/** Raised for any input or parameter the dev setup cannot use. */
export class SetupError extends ZkrError {
  override name = "SetupError";
  constructor(
    readonly file: string,
    message: string,
    options?: ZkrErrorOptions,
  ) {
    super(`${file}: ${message}`, options);
  }
}

/** What the setup needs from an .r1cs file. */
export interface R1cs {
  file: string;
  prime: bigint;
  nVars: number;
  nOutputs: number;
  nPubInputs: number;
  nPrvInputs: number;
  nConstraints: number;
  /** Raw constraints section (section 2). */
  constraints: Uint8Array;
}

/** Reads an .r1cs file, checking the container and the header; a bad file is a SetupError. */
export function readR1cs(file: string): R1cs {
  try {
    const r = readR1csFile(file);
    return {
      file,
      prime: BN254_R,
      nVars: r.nWires,
      nOutputs: r.nOutputs,
      nPubInputs: r.nPubInputs,
      nPrvInputs: r.nPrvInputs,
      nConstraints: r.nConstraints,
      constraints: r.constraints,
    };
  } catch (err) {
    if (err instanceof FileFormatError) throw new SetupError(err.file, err.reason, { details: err.details, cause: err });
    throw err;
  }
}
