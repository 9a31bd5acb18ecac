/**
 * PowerPoint .pptx: one source per deck, its text slide by slide (title, body, speaker notes),
 * with slide locations so a citation opens `#slide-N`. Slides are taken in the order the
 * presentation lists them, not the order of their part names.
 */
import path from "node:path";
import { XMLParser } from "fast-xml-parser";
import type { TextLocation } from "../core/types.js";
import { firstLineTitle, usableMetadataTitle } from "./metadata-title.js";
import { CORE_PROPERTIES_PART, coreTitle } from "./office-core-title.js";
import { readOfficeParts } from "./office-zip.js";
import { emptyFileProblem, malformedProblem, type DocumentParser, tooLargeProblem } from "./parsed-file.js";
import { withHash } from "./source-hash.js";

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  removeNSPrefix: true,
  processEntities: true,
  parseTagValue: false,
  trimValues: false,
});

type XmlNode = Record<string, unknown>;

export const parsePptx: DocumentParser = async (bytes, file, limits) => {
  const wanted = (name: string) =>
    name === CORE_PROPERTIES_PART ||
    /^ppt\/(presentation\.xml|_rels\/presentation\.xml\.rels|slides\/[^/]+\.xml|slides\/_rels\/[^/]+\.rels|notesSlides\/[^/]+\.xml)$/.test(name);
  const opened = readOfficeParts(bytes, file, wanted, limits.maxUnpackedBytes);
  if (opened.problem) return { sources: [], problems: [opened.problem] };
  const parts = opened.parts;
  const presentation = parts.get("ppt/presentation.xml");
  if (!presentation)
    return {
      sources: [],
      problems: [
        malformedProblem(file, undefined, "the zip has no ppt/presentation.xml, so it is not a PowerPoint deck", "Save it again from PowerPoint as .pptx."),
      ],
    };
  let slideParts: string[];
  try {
    slideParts = slideOrder(presentation, parts.get("ppt/_rels/presentation.xml.rels"));
  } catch (error) {
    return {
      sources: [],
      problems: [malformedProblem(file, undefined, `deck cannot be read: ${(error as Error).message}`, "Open it in PowerPoint and save it again as .pptx.")],
    };
  }
  if (slideParts.length > limits.maxDocumentPages) {
    return {
      sources: [],
      problems: [
        tooLargeProblem(
          file,
          `deck has ${slideParts.length} slides, more than the limit of ${limits.maxDocumentPages} (MAX_DOCUMENT_PAGES); it was not indexed`,
          "Split the deck, or raise MAX_DOCUMENT_PAGES if decks this long are expected.",
        ),
      ],
    };
  }
  let text = "";
  let firstTitle: string | undefined;
  const locations: TextLocation[] = [];
  slideParts.forEach((part, index) => {
    const slide = parts.get(part);
    if (!slide) return;
    const { title, body } = slideText(slide);
    const notesPart = notesOf(part, parts.get(part.replace(/^ppt\/slides\//, "ppt/slides/_rels/") + ".rels"));
    const notes = notesPart ? slideText(parts.get(notesPart) ?? Buffer.alloc(0)).body.filter((line) => !/^\d+$/.test(line)) : [];
    const paragraphs = [...(title ? [title] : []), ...body, ...(notes.length > 0 ? [`备注：${notes.join(" ")}`] : [])];
    if (paragraphs.length === 0) return;
    firstTitle ??= title;
    if (text !== "") text += "\n\n";
    locations.push({ unit: "slide", number: index + 1, offset: text.length });
    text += paragraphs.join("\n\n");
  });
  if (text === "") return { sources: [], problems: [emptyFileProblem(file)] };
  const title =
    usableMetadataTitle(coreTitle(parts.get(CORE_PROPERTIES_PART))) ?? firstTitle ?? firstLineTitle(text) ?? path.basename(file, path.extname(file));
  return { sources: [withHash({ sourceId: file, title, kind: "document", text, disclaimer: false, file, locations })], problems: [] };
};

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

function relationships(rels: Buffer | undefined): Map<string, { type: string; target: string }> {
  const parsed = rels ? (xml.parse(rels.toString("utf8")) as XmlNode) : {};
  const list = asArray((parsed.Relationships as XmlNode | undefined)?.Relationship as XmlNode | XmlNode[] | undefined);
  return new Map(list.map((entry) => [String(entry["@Id"]), { type: String(entry["@Type"] ?? ""), target: String(entry["@Target"] ?? "") }]));
}

/** Part names of the slides in presentation order. */
function slideOrder(presentation: Buffer, rels: Buffer | undefined): string[] {
  const parsed = xml.parse(presentation.toString("utf8")) as XmlNode;
  const ids = asArray(((parsed.presentation as XmlNode | undefined)?.sldIdLst as XmlNode | undefined)?.sldId as XmlNode | XmlNode[] | undefined);
  const targets = relationships(rels);
  return ids
    .map((id) => targets.get(String(id["@r:id"] ?? id["@id"])))
    .filter((target): target is { type: string; target: string } => target !== undefined)
    .map((target) => path.posix.normalize(path.posix.join("ppt", target.target)));
}

function notesOf(slidePart: string, rels: Buffer | undefined): string | undefined {
  for (const relationship of relationships(rels).values()) {
    if (relationship.type.endsWith("/notesSlide")) return path.posix.normalize(path.posix.join(path.posix.dirname(slidePart), relationship.target));
  }
  return undefined;
}

/** The slide's title placeholder text and its other paragraphs, in shape order. */
function slideText(part: Buffer): { title?: string; body: string[] } {
  const parsed = xml.parse(part.toString("utf8")) as XmlNode;
  let title: string | undefined;
  const body: string[] = [];
  const visitShape = (shape: XmlNode) => {
    const placeholder = (((shape.nvSpPr as XmlNode | undefined)?.nvPr as XmlNode | undefined)?.ph as XmlNode | undefined)?.["@type"];
    const lines = asArray((shape.txBody as XmlNode | undefined)?.p as XmlNode | XmlNode[] | undefined)
      .map(paragraphText)
      .filter((line) => line !== "");
    if ((placeholder === "title" || placeholder === "ctrTitle") && title === undefined && lines.length > 0) title = lines.join(" ");
    else if (placeholder !== "sldNum" && placeholder !== "dt" && placeholder !== "ftr") body.push(...lines);
  };
  const visitTree = (tree: XmlNode | undefined) => {
    if (!tree) return;
    for (const shape of asArray(tree.sp as XmlNode | XmlNode[] | undefined)) visitShape(shape);
    for (const group of asArray(tree.grpSp as XmlNode | XmlNode[] | undefined)) visitTree(group);
  };
  const root = (parsed.sld ?? parsed.notes) as XmlNode | undefined;
  visitTree((root?.cSld as XmlNode | undefined)?.spTree as XmlNode | undefined);
  return { title, body };
}

function paragraphText(paragraph: XmlNode): string {
  const runs = [...asArray(paragraph.r as XmlNode | XmlNode[] | undefined), ...asArray(paragraph.fld as XmlNode | XmlNode[] | undefined)];
  return runs
    .map((run) => {
      const value = run.t;
      return typeof value === "string"
        ? value
        : typeof value === "object" && value !== null
          ? String((value as XmlNode)["#text"] ?? "")
          : value === undefined
            ? ""
            : String(value);
    })
    .join("")
    .replace(/\s+/g, " ")
    .trim();
}
