/**
 * HTTP requests that leave from a chosen loopback address (127.0.0.x) to a server on 127.0.0.1, so
 * a test can be several clients: the server tells clients apart by the socket's source address.
 */
import http from "node:http";

export interface ReplyFrom {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed, when it is JSON. */
  json?: { error?: { code: string; message: string; hint: string } } & Record<string, unknown>;
}

export function requestFrom(
  baseUrl: string,
  localAddress: string,
  method: string,
  route: string,
  body?: string | Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<ReplyFrom> {
  const url = new URL(route, baseUrl);
  const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
  const contentType = body === undefined ? {} : { "content-type": typeof body === "string" ? "application/x-www-form-urlencoded" : "application/json" };
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, localAddress, agent: false, headers: { ...contentType, ...headers } }, (response) => {
      const parts: Buffer[] = [];
      response.on("data", (part: Buffer) => parts.push(part));
      response.on("end", () => {
        const text = Buffer.concat(parts).toString("utf8");
        const isJson = String(response.headers["content-type"]).startsWith("application/json");
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json: isJson ? (JSON.parse(text) as ReplyFrom["json"]) : undefined });
      });
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(payload);
  });
}
