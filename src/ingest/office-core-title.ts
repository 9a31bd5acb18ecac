/** The document title an Office file carries in docProps/core.xml (`dc:title`), when it has one. */
import { XMLParser } from "fast-xml-parser";

export const CORE_PROPERTIES_PART = "docProps/core.xml";

const parser = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, processEntities: true, parseTagValue: false });

export function coreTitle(xml: Buffer | undefined): string | undefined {
  if (!xml) return undefined;
  try {
    const parsed = parser.parse(xml.toString("utf8")) as { coreProperties?: { title?: unknown } };
    const title = parsed.coreProperties?.title;
    return typeof title === "string" && title.trim() !== "" ? title.trim().slice(0, 200) : undefined;
  } catch {
    // A damaged core.xml costs the title only; the body is read from its own part.
    return undefined;
  }
}
