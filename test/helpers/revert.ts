// The name of the custom error a contract call reverted with, for tests.

import type { Interface } from "ethers";

/**
 * Awaits `p` and returns the custom error's name it reverted with ("no revert" when it did not).
 * A sent transaction's error comes from the provider, which does not know the ABI: its data is
 * decoded with the contract's interface.
 */
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
