/**
 * A title from a file's metadata (a PDF's Title, an Office file's dc:title, an HTML page's
 * <title>) names the content only when someone wrote it: tools fill the field with the file name
 * (a browser printing a page saved as `_pdf.html`, Word printing `Microsoft Word - 通知.docx`) or a
 * placeholder ("untitled", "无标题文档", "Document1"). Those are refused, so the parser falls back
 * to the first heading or the first line of text.
 */

/** Placeholders tools write when nobody named the document. */
const PLACEHOLDER =
  /^(?:about:blank|untitled|无标题|无标题文档|未命名|未命名文档|未标题|新建\s*\S*文档|document|文档|presentation|演示文稿|幻灯片|slide|book|工作簿|sheet|title|标题|powerpoint 演示文稿|word 文档)\s*[-_]?\s*\d*$/i;
/** A tool's name put before the file name ("Microsoft Word - 报告.docx", "WPS文字 - 通知"). */
const TOOL_PREFIX = /^(?:microsoft\s*(?:office\s*)?(?:word|powerpoint|excel)|wps\s*(?:文字|演示|表格)?|word|powerpoint|excel)\s*[-–—:：]/i;
/** A file name: ends with an extension of a document, page or image format. */
const FILE_NAME = /\.(?:s?html?|xhtml|mhtml?|pdf|docx?|dotx?|pptx?|xlsx?|xlsm|csv|txt|md|rtf|odt|odp|ods|wps|et|dps|jpe?g|png|gif|tiff?)$/i;
/** Text with something to read in it: a letter, digit or CJK character. */
const READABLE = /[\p{L}\p{N}]/u;

const MAX_TITLE_CHARS = 200;

/** The metadata title when it names the content; undefined for a file name, a tool's name or a placeholder. */
export function usableMetadataTitle(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const title = value.replace(/\s+/g, " ").trim();
  if (title === "" || !READABLE.test(title)) return undefined;
  if (PLACEHOLDER.test(title) || TOOL_PREFIX.test(title) || FILE_NAME.test(title)) return undefined;
  return title.slice(0, MAX_TITLE_CHARS);
}

/** The first line of the text, cut to a title's length; undefined when there is none. */
export function firstLineTitle(text: string, maxChars = 80): string | undefined {
  const line = text
    .split("\n")
    .map((candidate) => candidate.trim())
    .find((candidate) => candidate !== "");
  return line ? [...line].slice(0, maxChars).join("") : undefined;
}
