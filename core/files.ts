/** File helpers shared by every folder (Node only). */
import { createHash } from "node:crypto";
import fs from "node:fs";

/** SHA-256 of a file's contents, hex; read in 4 MiB pieces, so a multi-GiB zkey needs no big buffer. */
export function sha256File(file: string): string {
  const h = createHash("sha256");
  const fd = fs.openSync(file, "r");
  const buf = Buffer.alloc(1 << 22);
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest("hex");
}
