/**
 * What the build-robustness tests share: a knowledge folder large enough that a re-index takes
 * many seconds (a generated FAQ table, no shared data), the `kb` command in a child process, and
 * the leftovers a build may leave in an index folder.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cp, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { versionsDirectory } from "../../../src/store/index-layout.js";
import { PROJECT_ROOT, SEED_KNOWLEDGE_DIR } from "../../support/test-knowledge-bot.js";

const WORDS = (
  "高血压 糖尿病 医保 报销 门诊 住院 药品 检查 医生 患者 治疗 症状 头痛 发烧 咳嗽 感冒 血糖 血脂 心脏 肝脏 肾脏 饮食 运动 睡眠 营养 维生素 手术 康复 " +
  "预防 疫苗 儿童 老人 孕妇 过敏 皮肤 眼睛 牙齿 胃痛 腹泻 便秘 失眠 焦虑 抑郁 体检 化验 挂号 备案 异地 账户 家庭 共济 缴费 比例 统筹 基金 定点 机构 办理 材料"
).split(" ");

/** A FAQ table of `rows` generated rows (about 290 bytes each), the same for the same seed. */
export function largeFaqTable(rows: number, seed = 7): string {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const sentence = (words: number) => `${Array.from({ length: words }, () => WORDS[Math.floor(next() * WORDS.length)]).join("")}。`;
  const lines = ["id,question,answer"];
  for (let row = 0; row < rows; row++) lines.push(`bulk-${row},${sentence(4)}怎么办,${Array.from({ length: 6 }, () => sentence(6)).join("")}`);
  return `${lines.join("\n")}\n`;
}

export const LARGE_TABLE_FILE = "bulk-faq.csv";

export async function addLargeTable(knowledgeDir: string, rows: number): Promise<void> {
  await writeFile(path.join(knowledgeDir, LARGE_TABLE_FILE), largeFaqTable(rows));
}

/** A scratch folder holding a writable copy of the seed knowledge folder and an index folder. */
export async function scratchFolders(): Promise<{ root: string; knowledgeDir: string; indexDir: string; cleanup(): Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), "kb-security-"));
  const knowledgeDir = path.join(root, "knowledge");
  await cp(SEED_KNOWLEDGE_DIR, knowledgeDir, { recursive: true });
  return { root, knowledgeDir, indexDir: path.join(root, "index"), cleanup: () => rm(root, { recursive: true, force: true }) };
}

export interface KbChild {
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when stdout or stderr first contains `text`. */
  printed(text: string): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `kb <args>` in a child process with `environment` added to this one's. */
export function spawnKb(args: string[], environment: Record<string, string> = {}): KbChild {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(PROJECT_ROOT, "test/security/support/kb-child.ts"), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...environment },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const waiting: { text: string; resolve: () => void }[] = [];
  const check = () => {
    for (const entry of [...waiting]) {
      if (out.includes(entry.text) || err.includes(entry.text)) {
        waiting.splice(waiting.indexOf(entry), 1);
        entry.resolve();
      }
    }
  };
  child.stdout.on("data", (data: Buffer) => ((out += data.toString()), check()));
  child.stderr.on("data", (data: Buffer) => ((err += data.toString()), check()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => resolve({ code, signal })),
  );
  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    printed: (text) =>
      new Promise<void>((resolve, reject) => {
        waiting.push({ text, resolve });
        check();
        void exited.then(() => reject(new Error(`kb exited before printing ${JSON.stringify(text)}:\n${out}\n${err}`)));
      }),
    exited,
  };
}

/** Staging folders and CURRENT temporaries in an index folder. */
export async function buildLeftovers(indexDir: string): Promise<string[]> {
  const versions = await readdir(versionsDirectory(indexDir)).catch(() => [] as string[]);
  const top = await readdir(indexDir).catch(() => [] as string[]);
  return [...versions.filter((name) => name.endsWith(".partial")), ...top.filter((name) => /^CURRENT\..*\.tmp$/.test(name))];
}

/** Keeps this thread busy for `ms`: a stand-in for a slow step of work inside a build. */
export function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}
