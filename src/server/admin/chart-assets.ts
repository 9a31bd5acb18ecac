/**
 * uPlot, the overview's charting library, served by the bot itself from node_modules (no CDN, so
 * the console works offline and the CSP stays 'self'). Read once, kept in memory.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { Hono } from "hono";

export const UPLOT_SCRIPT_PATH = "/admin/assets/uplot.iife.min.js";
export const UPLOT_CSS_PATH = "/admin/assets/uplot.min.css";

const ASSETS: Record<string, { file: string; type: string }> = {
  [UPLOT_SCRIPT_PATH]: { file: "uPlot.iife.min.js", type: "text/javascript; charset=utf-8" },
  [UPLOT_CSS_PATH]: { file: "uPlot.min.css", type: "text/css; charset=utf-8" },
};

function uplotDistDir(): string {
  // The package's exports hide package.json's folder; resolve its main file and take the folder.
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve("uplot"));
}

export function mountChartAssets(app: Hono): void {
  const cache = new Map<string, Promise<Buffer>>();
  for (const [route, asset] of Object.entries(ASSETS)) {
    app.get(route, async (context) => {
      let bytes = cache.get(route);
      if (!bytes) {
        bytes = readFile(path.join(uplotDistDir(), asset.file));
        cache.set(route, bytes);
      }
      context.header("Cache-Control", "public, max-age=86400");
      return context.body(new Uint8Array(await bytes), 200, { "Content-Type": asset.type });
    });
  }
}
