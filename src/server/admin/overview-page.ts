/**
 * `/admin`: the last 30 days at a glance — questions per day, answered vs not, and satisfaction
 * (share of votes that are up) — as uPlot charts, with the same figures as a table underneath.
 */
import type { Hono } from "hono";
import type { StateStore } from "../../state/state-store.js";
import type { AdapterHealth } from "../adapter-connections.js";
import { escapeHtml, jsonForScript } from "../escape-html.js";
import type { ServedBot } from "../served-bot.js";
import { ADMIN_SCRIPT_HELPERS, sendAdminPage } from "./admin-layout.js";
import { adminSessionOf } from "./admin-session.js";
import { UPLOT_CSS_PATH, UPLOT_SCRIPT_PATH } from "./chart-assets.js";
import { sourceLinkHtml } from "./source-title.js";

const OVERVIEW_DAYS = 30;

const OVERVIEW_SCRIPT = String.raw`
const DAY_SECONDS = 86400;
// Every day of the window, days without questions as zeros, so the axis spans the window.
const byDay = new Map(STATS.days.map((day) => [day.day, day]));
const today = Math.floor(Date.now() / 1000 / DAY_SECONDS) * DAY_SECONDS;
const times = [];
const days = [];
for (let back = STATS.windowDays - 1; back >= 0; back--) {
  const time = today - back * DAY_SECONDS;
  times.push(time);
  days.push(byDay.get(new Date(time * 1000).toISOString().slice(0, 10)) || { asked: 0, answered: 0, upvotes: 0, downvotes: 0 });
}
function chartWidth() { return Math.max(240, Math.min(760, $("chart-asked").clientWidth)); }
const charts = [];
if (typeof uPlot === "function") {
  charts.push(new uPlot({
    width: chartWidth(), height: 220,
    series: [{ label: "日期" }, { label: "已回答", stroke: "#1a7f37", fill: "rgba(26,127,55,.12)" }, { label: "未回答", stroke: "#b42318", fill: "rgba(180,35,24,.10)" }],
    axes: [{}, { size: 40 }],
    scales: { x: { time: true } },
  }, [times, days.map((day) => day.answered), days.map((day) => day.asked - day.answered)], $("chart-asked")));
  charts.push(new uPlot({
    width: chartWidth(), height: 180,
    series: [{ label: "日期" }, { label: "满意度 %", stroke: "#1a5fd0", spanGaps: true }],
    axes: [{}, { size: 40 }],
    scales: { x: { time: true }, y: { range: [0, 100] } },
  }, [times, days.map((day) => (day.upvotes + day.downvotes > 0 ? Math.round((100 * day.upvotes) / (day.upvotes + day.downvotes)) : null))], $("chart-satisfaction")));
  addEventListener("resize", () => { for (const chart of charts) chart.setSize({ width: chartWidth(), height: chart.height }); });
}
`;

/** The words an operator reads for each adapter or connection state; an unknown state shows as it is. */
const STATE_WORDS: Record<string, string> = {
  starting: "正在启动",
  started: "已启动",
  retrying: "无法连接平台，稍后重试",
  connecting: "正在连接",
  connected: "已连接",
  reconnecting: "断开后重连中",
  failed: "已中断",
  standby: "由另一副本持有（本副本待命）",
  replaced: "已停止：另一实例接管了该机器人",
  refused: "已停止：凭证被拒绝",
  stopped: "已停止",
};

function stateRow(attribute: "adapter" | "connection", name: string, status: { state: string; since: string; detail?: string }, degraded: boolean): string {
  return `<tr data-${attribute}="${escapeHtml(name)}" data-state="${escapeHtml(status.state)}"${degraded ? ' class="degraded"' : ""}><td>${escapeHtml(name)}</td><td>${escapeHtml(STATE_WORDS[status.state] ?? status.state)}</td><td>${escapeHtml(status.since)}</td><td class="break">${escapeHtml(status.detail ?? "")}</td></tr>`;
}

/** A card with each chat adapter's start state and the connections adapters hold open themselves; empty when there are none. */
function connectionsCard(health: AdapterHealth | undefined): string {
  if (!health) return "";
  const rows = [
    ...Object.entries(health.adapters).map(([name, status]) => stateRow("adapter", name, status, status.state !== "started" && status.state !== "stopped")),
    ...Object.entries(health.connections).map(([name, status]) => stateRow("connection", name, status, status.degraded)),
  ].join("");
  if (!rows) return "";
  const summary = health.degraded ? '<p class="error" id="adapters-degraded">有聊天平台暂时连不上：网页问答照常，连不上的平台会自动重试。</p>' : "";
  return `<section class="card"><h2>连接状态</h2>${summary}<div class="table-wrap"><table id="connections-table"><thead><tr><th>适配器 / 连接</th><th>状态</th><th>自</th><th>说明</th></tr></thead><tbody>${rows}</tbody></table></div></section>\n`;
}

export function mountOverviewPage(app: Hono, bot: ServedBot, store: StateStore | undefined, adapterHealth?: () => AdapterHealth): void {
  app.get("/admin", async (context) => {
    const { csrfToken } = adminSessionOf(context);
    const stats = store
      ? await store.questionStats({ days: OVERVIEW_DAYS })
      : { days: [], asked: 0, answered: 0, upvotes: 0, downvotes: 0, topSources: [], topUnanswered: [] };
    const answeredShare = stats.asked === 0 ? "—" : `${Math.round((100 * stats.answered) / stats.asked)}%`;
    const votes = stats.upvotes + stats.downvotes;
    const satisfaction = votes === 0 ? "—" : `${Math.round((100 * stats.upvotes) / votes)}%`;
    const rows = [...stats.days]
      .reverse()
      .map(
        (day) =>
          `<tr><td>${escapeHtml(day.day)}</td><td>${day.asked}</td><td>${day.answered}</td><td>${day.asked - day.answered}</td><td>${day.upvotes} / ${day.downvotes}</td></tr>`,
      )
      .join("");
    const served = bot.current.sources;
    const sources = stats.topSources.map((source) => `<li>${sourceLinkHtml(source.sourceId, served)} · ${source.count}</li>`).join("");
    const body = `${connectionsCard(adapterHealth?.())}<section class="card">
<div class="figures">
<div class="figure"><b id="asked-total">${stats.asked}</b><span class="muted">提问（${OVERVIEW_DAYS} 天）</span></div>
<div class="figure"><b id="answered-share">${answeredShare}</b><span class="muted">已回答比例</span></div>
<div class="figure"><b id="satisfaction">${satisfaction}</b><span class="muted">满意度（有用 ${stats.upvotes} / 没用 ${stats.downvotes}）</span></div>
</div>
</section>
<section class="card"><h2>每日提问：已回答与未回答</h2><div id="chart-asked"></div>
<h2>每日满意度</h2><div id="chart-satisfaction"></div>
${stats.days.length === 0 ? '<p class="muted">还没有记录到提问。</p>' : ""}
</section>
<section class="card"><h2>每日数字</h2><div class="table-wrap"><table id="days-table"><thead><tr><th>日期</th><th>提问</th><th>已答</th><th>未答</th><th>有用 / 没用</th></tr></thead><tbody>${rows}</tbody></table></div></section>
<section class="card"><h2>最常被引用的来源</h2>${sources ? `<ol class="break" id="top-sources">${sources}</ol>` : '<p class="muted">暂无。</p>'}</section>`;
    const script = `const CSRF_TOKEN = ${jsonForScript(csrfToken)};\nconst STATS = ${jsonForScript({ days: stats.days, windowDays: OVERVIEW_DAYS })};\n${ADMIN_SCRIPT_HELPERS}${OVERVIEW_SCRIPT}`;
    return sendAdminPage(context, { title: "概览", active: "overview", body, csrfToken, script, scriptFiles: [UPLOT_SCRIPT_PATH], cssFiles: [UPLOT_CSS_PATH] });
  });
}
