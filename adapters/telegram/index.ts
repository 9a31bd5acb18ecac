/** Telegram chat adapter: `createTelegramAdapter(context)` is the one registration point. */
export { createTelegramAdapter, type TelegramAdapterOptions } from "./telegram-adapter.js";
