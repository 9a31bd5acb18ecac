/** Where the medqa evaluation set lives: EVAL_DIR, or ../shared/eval/medqa beside the project. */
import path from "node:path";
import { fileURLToPath } from "node:url";

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const EVAL_DIR = path.resolve(PROJECT_ROOT, process.env.EVAL_DIR || "../shared/eval/medqa");
export const EVAL_FILES = ["corpus.csv", "dev-queries.jsonl"] as const;
