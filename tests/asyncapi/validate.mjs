// Validate AsyncAPI documents with the official parser (@asyncapi/parser v3).
//
// Usage: node tests/asyncapi/validate.mjs FILE...
// Prints one JSON object to standard output:
//   {"parser": "3.x.y", "documents": [{"file": F, "errors": [...], "warnings": [...]}]}
// where each diagnostic is {"code", "message", "path"}. Exits 1 when any
// document has an error, 0 otherwise. The parser is loaded from
// .ci/asyncapi/node_modules (or from the folder in ASYNCAPI_PARSER_DIR).
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const projectDir = process.env.ASYNCAPI_PARSER_DIR ?? path.join(here, "..", "..", ".ci", "asyncapi");
const require = createRequire(path.join(projectDir, "package.json"));
const { Parser } = require("@asyncapi/parser");
const parserVersion = require("@asyncapi/parser/package.json").version;

const ERROR = 0;
const WARNING = 1;

function describe(diagnostic) {
  return { code: String(diagnostic.code), message: diagnostic.message, path: diagnostic.path };
}

const parser = new Parser();
const documents = [];
for (const file of process.argv.slice(2)) {
  const diagnostics = await parser.validate(await readFile(file, "utf8"));
  documents.push({
    file,
    errors: diagnostics.filter((d) => d.severity === ERROR).map(describe),
    warnings: diagnostics.filter((d) => d.severity === WARNING).map(describe),
  });
}
process.stdout.write(JSON.stringify({ parser: parserVersion, documents }) + "\n");
process.exitCode = documents.some((d) => d.errors.length > 0) ? 1 : 0;
