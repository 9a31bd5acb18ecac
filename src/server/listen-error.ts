/**
 * Why the server could not listen, as one line with the fix: Node's own error for a taken port is
 * a stack trace that never mentions PORT, and a new admin meets it on the first `npm start`.
 */
import { KnowledgeBotError } from "../core/errors.js";

export function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  switch (error.code) {
    case "EADDRINUSE":
      return new KnowledgeBotError("PORT_IN_USE", `port ${port} is in use`, "Set PORT to a free port, or stop the program that holds it.", { cause: error });
    case "EACCES":
      return new KnowledgeBotError(
        "PORT_NOT_PERMITTED",
        `port ${port} may not be opened by this user`,
        "Set PORT to 1024 or above, or run behind a reverse proxy.",
        { cause: error },
      );
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
      return new KnowledgeBotError(
        "HOST_UNAVAILABLE",
        `host ${host} is not an address of this machine`,
        "Set HOST to 0.0.0.0, 127.0.0.1 or one of this machine's addresses.",
        {
          cause: error,
        },
      );
    default:
      return error;
  }
}
