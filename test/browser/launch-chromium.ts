/** Debian's headless Chromium for the page tests, with everything that would reach the network turned off. */
import { type Browser, chromium } from "playwright-core";
import { CHROMIUM_PATH } from "./chromium-path.js";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}
