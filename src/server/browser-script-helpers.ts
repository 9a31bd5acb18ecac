/**
 * The helpers every page script of the bot starts with (the public page and each admin page): DOM
 * nodes built with `textContent` only, never `innerHTML`, so text from answers and logs cannot inject
 * markup; JSON requests whose error bodies become an Error with the server's hint; and showing one.
 */
export const BROWSER_SCRIPT_HELPERS = String.raw`
"use strict";
const $ = (id) => document.getElementById(id);
function element(tag, properties, children) {
  const node = document.createElement(tag);
  Object.assign(node, properties || {});
  for (const child of children || []) node.append(child);
  return node;
}
async function requestJson(method, path, body, headers) {
  const response = await fetch(path, { method, headers: { "content-type": "application/json", ...(headers || {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data && data.error) || { message: "请求失败（HTTP " + response.status + "）", hint: "请稍后再试。" };
    throw Object.assign(new Error(error.message), { hint: error.hint });
  }
  return data;
}
function showError(target, error) {
  target.replaceChildren(element("div", { className: "error", textContent: error.message + (error.hint ? " " + error.hint : "") }));
}
`;
