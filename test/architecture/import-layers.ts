/**
 * The import-direction check (docs/code-layout.md): every relative import in src/ and adapters/,
 * type-only ones included, is read with the TypeScript parser (no code is run) and held against the
 * layers, lowest first. A module may import from its own layer or a layer below it; two folders
 * have fewer readers than their layer allows (adapters/ and src/config.ts, see `READER_RULES`).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

/**
 * A layer: its rooms are folders (ending in "/") or single files. Rooms of a shared layer may import
 * one another; rooms of a separate layer may not (the HTTP server, the `kb` command and the chat
 * adapters each stand on the layers below, never on each other).
 */
export interface Layer {
  name: string;
  rooms: string[];
  roomsShareImports: boolean;
}

/** The layers from the bottom up; the order is the rule. */
export const LAYERS: Layer[] = [
  { name: "core", rooms: ["src/core/"], roomsShareImports: true },
  { name: "text", rooms: ["src/text/"], roomsShareImports: true },
  { name: "store/embeddings/state", rooms: ["src/store/", "src/embeddings/", "src/state/"], roomsShareImports: true },
  { name: "ingest/retrieval/answer", rooms: ["src/ingest/", "src/retrieval/", "src/answer/"], roomsShareImports: true },
  { name: "bot", rooms: ["src/bot/"], roomsShareImports: true },
  { name: "conversation", rooms: ["src/conversation/"], roomsShareImports: true },
  { name: "adapters/server/cli", rooms: ["adapters/", "src/server/", "src/cli/", "src/config.ts"], roomsShareImports: false },
  {
    name: "entry points",
    rooms: ["src/main.ts", "src/cli.ts", "src/start-up-failure.ts", "src/stop-on-signals.ts", "src/configured-secrets.ts", "bin/", "bench/"],
    roomsShareImports: true,
  },
];

const ENTRY_POINTS = LAYERS[LAYERS.length - 1].rooms;

/**
 * Targets with fewer readers than their layer: a chat adapter is wired in by the entry points only
 * (src/config.ts merges each adapter's settings slice, nothing else of it), and the configuration
 * is read by the entry points and the wiring beside them (server, cli), never by an adapter, which
 * gets its settings from the context main.ts hands it.
 */
export const READER_RULES: { target: RegExp; mayImport(importer: string, target: string): boolean; why: string }[] = [
  {
    target: /^adapters\/[^/]+\//,
    mayImport: (importer, target) =>
      adapterFolder(importer) === adapterFolder(target) ||
      isUnder(importer, ENTRY_POINTS) ||
      (importer === "src/config.ts" && /^adapters\/[^/]+\/settings\.ts$/.test(target)),
    why: "an adapter is imported only by the entry points and its own folder (src/config.ts may read adapters/<name>/settings.ts)",
  },
  {
    target: /^src\/config\.ts$/,
    mayImport: (importer) => isUnder(importer, [...ENTRY_POINTS, "src/server/", "src/cli/"]),
    why: "src/config.ts is read only by the entry points, src/server/ and src/cli/",
  },
];

/** The folders whose files are checked as importers. */
export const CHECKED_FOLDERS = ["src", "adapters"];

export interface ImportViolation {
  /** The importing file, relative to the root, with "/" separators. */
  file: string;
  line: number;
  specifier: string;
  /** The imported file, relative to the root. */
  target: string;
  reason: string;
}

/** Every import that runs the wrong way in the tree under `root`, in file and line order. */
export function findImportViolations(root: string): ImportViolation[] {
  const violations: ImportViolation[] = [];
  for (const folder of CHECKED_FOLDERS) {
    for (const file of listTypeScriptFiles(root, folder)) {
      for (const found of relativeImports(root, file)) {
        const reason = whyNotAllowed(file, found.target);
        if (reason) violations.push({ file, line: found.line, specifier: found.specifier, target: found.target, reason });
      }
    }
  }
  return violations.sort((left, right) => (left.file === right.file ? left.line - right.line : left.file < right.file ? -1 : 1));
}

/** One line per violation: `file:line imports target ("specifier"): reason`. */
export function describeViolation(violation: ImportViolation): string {
  return `${violation.file}:${violation.line} imports ${violation.target} ("${violation.specifier}"): ${violation.reason}`;
}

/** Why `importer` may not import `target`, or undefined when it may. Both are root-relative. */
export function whyNotAllowed(importer: string, target: string): string | undefined {
  const from = placement(importer);
  if (!from) return `${importer} is in no layer: add its folder to the layers in docs/code-layout.md and this check`;
  const to = placement(target);
  if (!to) return `${target} is in no layer (test code, or a folder not placed in docs/code-layout.md)`;
  // A target with its own list of readers is decided by that list alone.
  const rule = READER_RULES.find((candidate) => candidate.target.test(target));
  if (rule) return rule.mayImport(importer, target) ? undefined : rule.why;
  const fromLayer = LAYERS[from.layer];
  if (to.layer > from.layer) return `${fromLayer.name} may not import from ${LAYERS[to.layer].name}, a layer above it`;
  if (to.layer === from.layer && to.room !== from.room && !fromLayer.roomsShareImports) {
    return `${from.room} and ${to.room} stand side by side in ${fromLayer.name}: move what both need down a layer`;
  }
  return undefined;
}

/** The layer and room a file sits in (the longest matching room), or undefined when none holds it. */
function placement(file: string): { layer: number; room: string } | undefined {
  let best: { layer: number; room: string } | undefined;
  LAYERS.forEach((layer, index) => {
    for (const room of layer.rooms) {
      if (isUnder(file, [room]) && (!best || room.length > best.room.length)) best = { layer: index, room };
    }
  });
  return best;
}

function isUnder(file: string, rooms: string[]): boolean {
  return rooms.some((room) => (room.endsWith("/") ? file.startsWith(room) : file === room));
}

function adapterFolder(file: string): string | undefined {
  return /^adapters\/[^/]+\//.exec(file)?.[0];
}

function listTypeScriptFiles(root: string, folder: string): string[] {
  let entries;
  try {
    entries = readdirSync(path.join(root, folder), { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isFile() && /\.(?:ts|tsx|mts|cts)$/.test(entry.name) && !entry.name.endsWith(".d.ts"))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .sort();
}

/**
 * The relative module specifiers of one file, resolved to root-relative paths: import and export
 * declarations (type-only too), `import x = require()`, `import()` calls and `import("…")` types.
 * Package imports are not layers and are skipped.
 */
function relativeImports(root: string, file: string): { specifier: string; target: string; line: number }[] {
  const text = readFileSync(path.join(root, file), "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: { specifier: string; target: string; line: number }[] = [];
  const add = (node: ts.Node, specifier: ts.Expression | undefined) => {
    if (!specifier || !ts.isStringLiteralLike(specifier) || !specifier.text.startsWith(".")) return;
    const target = resolveTypeScriptPath(path.posix.join(path.posix.dirname(file), specifier.text));
    found.push({ specifier: specifier.text, target, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node, node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node, node.moduleReference.expression);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node, node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node, node.argument.literal as ts.Expression);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `../config.js` names the compiled file; the source is `../config.ts`. */
function resolveTypeScriptPath(joined: string): string {
  return joined
    .replace(/\.js$/, ".ts")
    .replace(/\.mjs$/, ".mts")
    .replace(/\.cjs$/, ".cts");
}
