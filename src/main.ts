/** Wiring: config → index → bot → adapters → HTTP server. Filled in by the server module. */
export async function startBot(): Promise<void> {
  throw new Error("not wired yet");
}
