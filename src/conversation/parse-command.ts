/**
 * Reads a chat command at the start of a message: `/help`, `/start`, `/stats`, `/reindex [full]`,
 * `/new` and `/ask <question>`. Platforms that mark commands themselves (Telegram) hand over the
 * same text form, so one parser serves every platform.
 */

export type ChatCommand =
  | { name: "help" }
  | { name: "stats" }
  | { name: "reindex"; full: boolean }
  | { name: "new" }
  /** `/ask <question>`: the question itself, possibly empty. */
  | { name: "ask"; question: string };

/** A leading `/word`, optionally `@botname`, then the rest; anything else is a question. */
const commandPattern = /^\/([A-Za-z_]+)(?:@\S*)?(?:\s+([\s\S]*))?$/;

/** The command a message holds, or undefined when it is a question. Unknown commands ask for help. */
export function parseCommand(text: string): ChatCommand | undefined {
  const match = commandPattern.exec(text.trim());
  if (!match) return undefined;
  const name = match[1]!.toLowerCase();
  const rest = (match[2] ?? "").trim();
  switch (name) {
    case "stats":
      return { name: "stats" };
    case "reindex":
      return { name: "reindex", full: rest.toLowerCase() === "full" };
    case "new":
      return { name: "new" };
    case "ask":
      return { name: "ask", question: rest };
    default:
      // /start, /help and anything unrecognised: the help text says what the bot understands.
      return { name: "help" };
  }
}
