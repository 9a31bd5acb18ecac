/**
 * The start-up log's word on the admin token: where the console is when it is set, and what setting
 * it would unlock when it is not, so a new admin learns both from the first line the server prints.
 */
export const ADMIN_TOKEN_UNLOCKS = "the admin console at /admin, POST /api/reindex, /api/search hit testing and the admin API (/api/admin/*)";

export function adminAccessNote(adminToken: string | undefined, url: string): string {
  if (adminToken) return `admin console at ${url}/admin (log in with ADMIN_TOKEN)`;
  return `ADMIN_TOKEN is unset: set it in .env (16+ characters) and restart to unlock ${ADMIN_TOKEN_UNLOCKS}`;
}
