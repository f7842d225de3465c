// The TypeScript examples in the project's Markdown files are code: each ```ts block is extracted,
// its relative imports rebased, type-checked with the project's compiler options (strict), and run
// with tsx. A renamed export or a changed signature breaks this test, not a reader's first hour.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(ROOT, "build", "doc-examples");

/** Markdown files of the project (not of dependencies or build outputs). */
function markdownFiles(dir = ROOT, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith(".") || ["node_modules", "build"].includes(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) markdownFiles(p, out);
    else if (e.name.endsWith(".md")) out.push(p);
  }
  return out;
}

interface Example {
  /** `README.md:127` */
  where: string;
  file: string;
}

/** Writes each ```ts block of `md` to OUT with its relative imports rebased; returns them. */
function extract(md: string): Example[] {
  const text = fs.readFileSync(md, "utf8");
  const rel = path.relative(ROOT, md);
  const out: Example[] = [];
  for (const m of text.matchAll(/^```(?:ts|typescript)\n([\s\S]*?)^```/gm)) {
    const line = text.slice(0, m.index).split("\n").length;
    const file = path.join(OUT, `${rel.replace(/[/.]/g, "_")}_${line}.ts`);
    const code = m[1].replace(/(from\s+|import\s*\(\s*)(["'])(\.{1,2}\/[^"']+)\2/g, (_s, pre: string, q: string, spec: string) => {
      let r = path.relative(path.dirname(file), path.resolve(path.dirname(md), spec));
      if (!r.startsWith(".")) r = `./${r}`;
      return `${pre}${q}${r}${q}`;
    });
    fs.mkdirSync(OUT, { recursive: true });
    fs.writeFileSync(file, `// Extracted from ${rel}:${line} by test/docs.examples.test.ts; do not edit.\nexport {};\n${code}`);
    out.push({ where: `${rel}:${line}`, file });
  }
  return out;
}

const examples = markdownFiles().flatMap(extract);

test("the Markdown files have TypeScript examples to check (README's 'Using the model' among them)", () => {
  expect(examples.map((e) => e.where)).toContainEqual(expect.stringMatching(/^README\.md:\d+$/));
});

test("every example type-checks under the project's compiler options", () => {
  const config = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const program = ts.createProgram(
    examples.map((e) => e.file),
    { ...options, noEmit: true, noUnusedLocals: false },
  );
  const problems = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && d.file.fileName.startsWith(OUT))
    .map((d) => {
      // Two header lines precede the block, which starts one line below its fence.
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      const ex = examples.find((e) => path.resolve(e.file) === path.resolve(d.file!.fileName))!;
      const [md, fence] = ex.where.split(":");
      return `${md}:${Number(fence) + line - 1}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
  expect(problems).toEqual([]);
});

test.each(examples.map((e) => [e.where, e.file]))("the example at %s runs to the end", (_where, file) => {
  // tsx, as `zkr` runs TypeScript; a thrown error fails the test with the example's stderr.
  execFileSync(process.execPath, ["--import", "tsx", file], { cwd: ROOT, stdio: "pipe", timeout: 120_000 });
});
