/** Small fetch wrappers for driving the callback routes. */
export async function post(url: string, body: string, contentType: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": contentType }, body });
  const text = await response.text();
  return { status: response.status, text };
}

export async function get(url: string): Promise<{ status: number; text: string; contentType: string | null }> {
  const response = await fetch(url);
  return { status: response.status, text: await response.text(), contentType: response.headers.get("content-type") };
}
