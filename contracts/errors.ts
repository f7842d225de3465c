/**
 * Contract reverts by name. A transaction sent through a provider fails in its gas estimate with
 * only the revert data (ethers prints "execution reverted (unknown custom error)"): the data is
 * decoded here with the ABIs of zkr's contracts, so a user reads `NotAccountOwner(0, 0x9965…)`.
 */
import { Interface, isError } from "ethers";
import { Rollup__factory, TestToken__factory } from "./types/index.js";

const INTERFACES: Interface[] = [Rollup__factory.createInterface(), TestToken__factory.createInterface()];

/** The custom error `err` carries, as `Name(arg, …)`, or undefined when it carries none we know. */
export function decodeRevert(err: unknown): string | undefined {
  if (!isError(err, "CALL_EXCEPTION")) return undefined;
  if (err.revert) return `${err.revert.name}(${err.revert.args.map(String).join(", ")})`;
  if (!err.data || err.data === "0x") return undefined;
  for (const iface of INTERFACES) {
    const parsed = iface.parseError(err.data);
    if (parsed) return `${parsed.name}(${parsed.args.map(String).join(", ")})`;
  }
  return undefined;
}

/** The custom error's name a contract call reverted with ("no revert" when it did not): for tests and checks. */
export async function revertOf(contract: { interface: Interface }, p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    const e = err as { revert?: { name: string }; data?: string; shortMessage?: string; message: string };
    const parsed = e.data ? contract.interface.parseError(e.data) : null;
    return e.revert?.name ?? parsed?.name ?? e.shortMessage ?? e.message;
  }
  return "no revert";
}
