// core/binfile.ts: the one reader and writer of the iden3 container (.r1cs, .ptau, .zkey, .wtns)
// and its one error, FileFormatError, naming the file and what is wrong.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BinFileWriter, FileFormatError, encodeContainer, readSection, readSections, requireSection } from "../core/binfile.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-binfile-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, bytes: Uint8Array): string => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, bytes);
  return f;
};

/** The error `f` throws (a FileFormatError is expected). */
const thrown = (f: () => unknown): FileFormatError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FileFormatError);
    return e as FileFormatError;
  }
  throw new Error("no error");
};

test("what encodeContainer and BinFileWriter write, readSections reads back", async () => {
  const bytes = encodeContainer("wtns", 2, [{ id: 1, data: Uint8Array.from([1, 2, 3]) }, { id: 2, data: new Uint8Array(0) }, { id: 1, data: Uint8Array.from([9]) }]);
  const f = write("a.wtns", bytes);
  const { version, sections, fd } = readSections(f, "wtns", [2]);
  try {
    expect(version).toBe(2);
    expect(sections.get(1)!.map((s) => s.size)).toEqual([3, 1]);
    expect([...readSection(fd, requireSection(f, sections, 1, "header"))]).toEqual([1, 2, 3]);
    expect([...readSection(fd, sections.get(1)![1])]).toEqual([9]);
    expect(thrown(() => requireSection(f, sections, 7, "contributions")).message).toBe(`${f}: no contributions section (7)`);
  } finally {
    fs.closeSync(fd);
  }

  const g = path.join(dir, "b.zkey");
  const w = await BinFileWriter.create(g, "zkey", 1, [{ id: 1, size: 4 }, { id: 3, size: 2 }]);
  await w.write(3, 0, Uint8Array.from([7, 8]));
  await w.write(1, 0, Uint8Array.from([1, 0, 0, 0]));
  await w.close();
  expect(fs.readFileSync(g)).toEqual(encodeContainer("zkey", 1, [{ id: 1, data: Uint8Array.from([1, 0, 0, 0]) }, { id: 3, data: Uint8Array.from([7, 8]) }]));
});

test("a missing, foreign, truncated, overlong or unsupported file is a FileFormatError naming it", () => {
  const good = encodeContainer("r1cs", 1, [{ id: 1, data: new Uint8Array(8) }]);
  const cases: Array<[string, Uint8Array | null, RegExp]> = [
    ["missing.r1cs", null, /missing\.r1cs: cannot read r1cs: ENOENT/],
    ["empty.r1cs", new Uint8Array(0), /empty\.r1cs: an r1cs file expected, got one starting with ""/],
    ["x.wasm", Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), /an r1cs file expected, got one starting with "\\u0000asm"[^]*not an r1cs file: its first bytes are 0061736d/],
    ["short.r1cs", good.subarray(0, 10), /short\.r1cs: truncated: 10 bytes is shorter than an r1cs header/],
    ["cut.r1cs", good.subarray(0, good.length - 1), /cut\.r1cs: truncated: section 1 needs 8 bytes at offset 24, the file ends at 31/],
    ["table.r1cs", good.subarray(0, 20), /table\.r1cs: truncated: section 1 of 1 is missing/],
    ["long.r1cs", Buffer.concat([good, Buffer.from([0])]), /long\.r1cs: 1 trailing bytes after the last section/],
    ["v2.r1cs", encodeContainer("r1cs", 2, []), /v2\.r1cs: r1cs version 1 expected, got 2/],
  ];
  for (const [name, bytes, re] of cases) {
    const f = bytes ? write(name, bytes) : path.join(dir, name);
    expect(thrown(() => readSections(f, "r1cs", [1])).message).toMatch(re);
    expect(thrown(() => readSections(f, "r1cs", [1])).file).toBe(f);
  }
});
