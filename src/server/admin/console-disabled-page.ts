/**
 * What `/admin` shows while ADMIN_TOKEN is unset: a bare "Not found" left a new admin guessing, so
 * the page says how to turn the console on. Still 404, so nothing about the console exists yet.
 */
import type { Context, Hono } from "hono";
import { sendAdminPage } from "./admin-layout.js";

const EXPLANATION = `<section class="card" id="console-disabled">
<p>管理后台尚未开启：服务器没有设置管理员令牌 <code>ADMIN_TOKEN</code>。</p>
<ol>
<li>在 <code>.env</code> 中设置 <code>ADMIN_TOKEN=</code>（至少 16 个字符，例如 <code>openssl rand -hex 24</code> 生成的一串）。</li>
<li>重启服务（<code>npm start</code>）。</li>
<li>打开 <a href="/admin">/admin</a>，用这个令牌登录。</li>
</ol>
<p class="muted">这个令牌开启：/admin 管理后台、POST /api/reindex 重建索引、/api/search 命中测试，以及 /api/admin/* 管理接口。</p>
</section>`;

export function mountConsoleDisabledPage(app: Hono): void {
  const explain = (context: Context) => sendAdminPage(context, { title: "管理后台未开启", body: EXPLANATION }, 404);
  app.get("/admin", explain);
  app.get("/admin/*", explain);
}
