/**
 * A proving key read as a stream (what the browser page does with a download, parsing while the
 * bytes arrive): the same key as Node's file reader, however the bytes are cut; and the files a
 * hostile or broken server could send refused with a FileFormatError, before anything large is
 * allocated where the header says the size is wrong.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { FileFormatError } from "../core/container.js";
import { readZkey, readZkeyAsync } from "../prover/zkey-file.js";
import { CoefficientReader, readZkeyBlob, readZkeyStream, type ProvingKey } from "../prover/zkey.js";
import { releaseSnarkjs } from "../circuits/witness.js";
import { toyGroth16 } from "./helpers/circuit.js";

let tmp: string;
let file: string;
let bytes: Uint8Array;
let want: ProvingKey;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zkr-zkey-stream-"));
  file = (await toyGroth16(tmp)).zkey;
  bytes = new Uint8Array(fs.readFileSync(file));
  want = readZkey(file);
}, 300_000);

afterAll(async () => {
  await releaseSnarkjs();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** `b` as a stream of chunks of `cut` bytes (the last one shorter); counts the bytes pulled. */
function streamOf(b: Uint8Array, cut: number): ReadableStream<Uint8Array> & { pulled: () => number } {
  let at = 0;
  const s = new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= b.length) return c.close();
      c.enqueue(b.slice(at, at + cut));
      at += cut;
    },
  });
  return Object.assign(s, { pulled: () => Math.min(at, b.length) });
}

/** The sections of the zkey as [type, offset of its 12-byte header, size]. */
function sections(b: Uint8Array): [number, number, number][] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: [number, number, number][] = [];
  for (let off = 12, i = 0; i < v.getUint32(8, true); i++) {
    const size = Number(v.getBigUint64(off + 4, true));
    out.push([v.getUint32(off, true), off, size]);
    off += 12 + size;
  }
  return out;
}

const read = (b: Uint8Array, cut = 4096, size: number | undefined = b.length) => readZkeyStream(streamOf(b, cut), "served.zkey", { size });

test("the same key as the file reader, cut in chunks of any size, with or without a known size", async () => {
  expect(sections(bytes).map(([t]) => t)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  for (const cut of [1, 7, 4096, bytes.length]) {
    const got = await read(bytes, cut);
    expect({ cut, key: { ...got, file: want.file } }).toEqual({ cut, key: want });
  }
  expect({ ...(await read(bytes, 100, undefined)), file: want.file }).toEqual(want);
  // a file input's Blob goes the same way
  expect({ ...(await readZkeyBlob(new Blob([bytes as BlobPart]), "own.zkey")), file: want.file }).toEqual(want);
});

test("progress counts the bytes read, up to the whole file", async () => {
  const seen: [number, number][] = [];
  await readZkeyStream(streamOf(bytes, 999), "served.zkey", { size: bytes.length, progress: (d, t) => seen.push([d, t]) });
  expect(seen.length).toBeGreaterThan(3);
  expect(seen.every(([, t]) => t === bytes.length)).toBe(true);
  expect(seen.map(([d]) => d)).toEqual([...seen.map(([d]) => d)].sort((a, b) => a - b));
  expect(seen.at(-1)![0]).toBeLessThanOrEqual(bytes.length);
});

test("a truncated download is refused wherever it stops", async () => {
  for (const end of [0, 5, 12, 20, 100, bytes.length - 1]) {
    const b = bytes.slice(0, end);
    await expect(read(b, 64, undefined)).rejects.toThrow(end < 4 ? /a zkey file expected|truncated/ : /truncated/);
    await expect(read(b, 64, undefined)).rejects.toBeInstanceOf(FileFormatError);
  }
  // the server announced more than it sent
  await expect(read(bytes.slice(0, bytes.length - 10), 64, bytes.length)).rejects.toThrow(/truncated/);
});

test("trailing bytes, another format, and a size that does not match are refused", async () => {
  const longer = new Uint8Array(bytes.length + 3);
  longer.set(bytes);
  await expect(read(longer, 4096, undefined)).rejects.toThrow(/trailing bytes/);
  await expect(read(longer, 4096, longer.length)).rejects.toThrow(/trailing bytes/);
  const other = bytes.slice();
  other.set([0x72, 0x31, 0x63, 0x73]); // "r1cs"
  await expect(read(other)).rejects.toThrow(/a zkey file expected, got one starting with "r1cs"/);
});

test("a point section larger than the header implies is refused before it is read or allocated", async () => {
  const hostile = bytes.slice();
  const [, at] = sections(hostile).find(([t]) => t === 7)!; // B2
  new DataView(hostile.buffer).setBigUint64(at + 4, 1n << 40n, true); // 1 TiB claimed
  const s = streamOf(hostile, 256);
  await expect(readZkeyStream(s, "served.zkey")).rejects.toThrow(/B2 section: \d+ bytes expected, got 1099511627776/);
  expect(s.pulled()).toBeLessThan(at + 12 + 256 + 1);
  // the coefficients' size is 4 + 44·k, whatever the header says
  const coefs = bytes.slice();
  const [, at4] = sections(coefs).find(([t]) => t === 4)!;
  new DataView(coefs.buffer).setBigUint64(at4 + 4, (1n << 40n) + 1n, true);
  await expect(readZkeyStream(streamOf(coefs, 256), "served.zkey")).rejects.toThrow(/coefficients section: 4 \+ 44·k bytes expected, got 1099511627777/);
  // a header section claiming megabytes is not a header
  const big = bytes.slice();
  new DataView(big.buffer).setBigUint64(sections(big)[1][1] + 4, 1n << 30n, true);
  await expect(readZkeyStream(streamOf(big, 256), "served.zkey")).rejects.toThrow(/Groth16 header section: 1073741824 bytes, far more than a header/);
});

test("point sections before the header sections are refused (a stream is read once, in order)", async () => {
  const [[t1, o1, s1], [t2, o2, s2], [t3, o3, s3]] = sections(bytes);
  expect([t1, t2, t3]).toEqual([1, 2, 3]);
  // IC first, then the two headers, then the rest
  const moved = new Uint8Array(bytes.length);
  moved.set(bytes.subarray(0, 12));
  let at = 12;
  for (const [o, s] of [[o3, s3], [o1, s1], [o2, s2]]) {
    moved.set(bytes.subarray(o, o + 12 + s), at);
    at += 12 + s;
  }
  moved.set(bytes.subarray(o3 + 12 + s3), at);
  await expect(read(moved)).rejects.toThrow(/section 3 \(IC\) comes before the header sections/);
});

test("a missing section and a PLONK key are named", async () => {
  const [, at9] = sections(bytes).find(([t]) => t === 9)!;
  const renamed = bytes.slice();
  new DataView(renamed.buffer).setUint32(at9, 11, true); // H becomes an unknown section 11
  await expect(read(renamed)).rejects.toThrow(/no H section \(9\)/);
  const plonk = bytes.slice();
  const [, at1] = sections(plonk)[0];
  new DataView(plonk.buffer).setUint32(at1 + 12, 2, true);
  await expect(read(plonk)).rejects.toThrow(/a Groth16 zkey expected, got protocol PLONK/);
});

describe("the coefficients section read in pieces (CoefficientReader: what zkr prove's reader does)", () => {
  const section4 = () => {
    const [, at, size] = sections(bytes).find(([t]) => t === 4)!;
    return bytes.subarray(at + 12, at + 12 + size);
  };

  test("the same matrices as the whole-file reader, whatever the pieces (records and the count split across them)", async () => {
    const c = section4();
    expect(Number(new DataView(c.buffer, c.byteOffset).getUint32(0, true))).toBe(want.coefs.count);
    for (const cut of [1, 3, 43, 44, 45, 4096]) {
      const r = new CoefficientReader("k.zkey", want.coefs.rows, want.coefs.wires, c.length);
      for (let at = 0; at < c.length; at += cut) r.push(c.subarray(at, at + cut));
      expect(r.finish()).toEqual(want.coefs);
    }
    // readZkeyAsync reads it so: the same key as the synchronous reader
    expect((await readZkeyAsync(file)).coefs).toEqual(want.coefs);
  });

  test("a section that ends early, holds more than its count, or whose size disagrees with its count is refused", () => {
    const c = section4();
    const reader = (size?: number) => new CoefficientReader("k.zkey", want.coefs.rows, want.coefs.wires, size);
    const short = reader();
    short.push(c.subarray(0, c.length - 5));
    expect(() => short.finish()).toThrow(new RegExp(`coefficients section: ${c.length} bytes expected, got ${c.length - 5}`));
    const long = reader();
    const extra = new Uint8Array(c.length + 44);
    extra.set(c);
    extra.set(c.subarray(4, 48), c.length);
    expect(() => long.push(extra)).toThrow(/more than the \d+ records it declares/);
    expect(() => reader(c.length + 1).push(c)).toThrow(new RegExp(`coefficients section: ${c.length} bytes expected, got ${c.length + 1}`));
    expect(() => reader().finish()).toThrow(/at least 4 bytes expected, got 0/);
    // an index out of range: the row of record 0 set to the domain size
    const bad = c.slice();
    new DataView(bad.buffer).setUint32(4 + 4, want.coefs.rows, true);
    expect(() => reader().push(bad)).toThrow(/coefficient 0: matrix \d, row \d+, signal \d+ out of range/);
  });
});
