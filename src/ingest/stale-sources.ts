/**
 * An admin's broken upload never removes an answer that worked: a file that the serving version
 * indexed and that now fails to parse keeps its previous sources, reported `SOURCE_STALE` with the
 * parse error. A deleted file reports nothing and so is removed as before.
 */
import type { SourceDoc } from "../core/types.js";
import type { IndexManifest } from "../store/manifest.js";
import type { LoadedKnowledge } from "./load-knowledge.js";
import type { SourceProblem } from "./source-problem.js";

/**
 * Files the serving version indexed that gave an error and no source this time. Only files with an
 * error are looked up, so a folder of a million sources and no failing file costs one pass.
 */
export function failingIndexedFiles(knowledge: LoadedKnowledge, manifest: IndexManifest | undefined): Set<string> {
  if (!manifest) return new Set();
  const withError = new Set(knowledge.problems.filter((problem) => problem.severity === "error").map((problem) => problem.file));
  if (withError.size === 0) return new Set();
  for (const source of knowledge.sources) withError.delete(source.file);
  if (withError.size === 0) return new Set();
  const indexed = new Set<string>();
  for (const entry of Object.values(manifest.sources)) if (withError.has(entry.file)) indexed.add(entry.file);
  return new Set(
    knowledge.problems
      .filter((problem) => problem.severity === "error" && withError.has(problem.file) && indexed.has(problem.file))
      .map((problem) => problem.file),
  );
}

/** The knowledge with the previous sources of `files` put back and their errors turned into SOURCE_STALE. */
export function keepStaleSources(knowledge: LoadedKnowledge, files: Set<string>, previousSources: SourceDoc[]): LoadedKnowledge {
  if (files.size === 0) return knowledge;
  const taken = new Set(knowledge.sources.map((source) => source.sourceId));
  const kept = previousSources.filter((source) => files.has(source.file) && !taken.has(source.sourceId));
  const keptFiles = new Set(kept.map((source) => source.file));
  const problems: SourceProblem[] = [];
  for (const problem of knowledge.problems) {
    if (problem.severity !== "error" || !keptFiles.has(problem.file)) {
      problems.push(problem);
      continue;
    }
    problems.push({
      severity: "error",
      code: "SOURCE_STALE",
      file: problem.file,
      ...(problem.line ? { line: problem.line } : {}),
      message: `now fails to parse (${problem.code}: ${problem.message}); its previously indexed version keeps serving`,
      hint: `${problem.hint} Until then the bot answers from the last version that parsed; delete the file to remove it.`,
    });
  }
  return { sources: [...knowledge.sources, ...kept], problems };
}
