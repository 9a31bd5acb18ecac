/**
 * A response_url arrives inside a signed callback, but posting answers to wherever a payload
 * points is still a server-side request forgery risk if the Token ever leaks. Only WeCom's API
 * host (or the configured WECOM_API_BASE, for tests and proxies) is accepted.
 */
const OFFICIAL_ORIGIN = "https://qyapi.weixin.qq.com";

export function isAllowedResponseUrl(responseUrl: string, apiBase: string): boolean {
  let origin: string;
  try {
    origin = new URL(responseUrl).origin;
  } catch {
    return false;
  }
  return origin === OFFICIAL_ORIGIN || origin === new URL(apiBase).origin;
}
