/**
 * The HTML frame shared by the server's pages: self-contained (inline CSS, no external fonts or
 * scripts), Chinese-first font stack, readable on a phone.
 */
import { escapeHtml } from "./escape-html.js";

const BASE_CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#f5f6f8;color:#1f2329;font:16px/1.75 -apple-system,BlinkMacSystemFont,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei",sans-serif}
a{color:#1a5fd0}
a:hover{color:#0c3f94}
main{max-width:820px;margin:0 auto;padding:24px 16px 64px}
header.top{display:flex;align-items:baseline;justify-content:space-between;gap:12px;flex-wrap:wrap;margin-bottom:16px}
header.top h1{font-size:22px;margin:0}
header.top a{font-size:14px}
.card{background:#fff;border:1px solid #e3e6eb;border-radius:10px;padding:18px 20px;margin:16px 0;box-shadow:0 1px 2px rgba(0,0,0,.03)}
.muted{color:#6b7280;font-size:14px}
`;

export interface PageParts {
  title: string;
  body: string;
  css?: string;
  script?: string;
  /** Nonce that lets the inline script run under the Content-Security-Policy. */
  scriptNonce?: string;
}

export function renderPage({ title, body, css = "", script, scriptNonce }: PageParts): string {
  const scriptTag = script ? `<script nonce="${escapeHtml(scriptNonce ?? "")}">${script}</script>` : "";
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>${BASE_CSS}${css}</style>
</head>
<body>
${body}
${scriptTag}
</body>
</html>`;
}

/** Only inline styles, the nonce'd script and same-origin requests: the pages need nothing else. */
export function contentSecurityPolicy(scriptNonce?: string): string {
  const script = scriptNonce ? `'nonce-${scriptNonce}'` : "'none'";
  return `default-src 'none'; style-src 'unsafe-inline'; script-src ${script}; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`;
}
