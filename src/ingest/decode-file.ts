/**
 * Turns a file's bytes into text. UTF-8 is expected; GB18030 (and its GBK/GB2312 subsets) is common
 * in Chinese data, so it is detected, decoded and reported as a warning instead of being mangled.
 */
import chardet from "chardet";
import iconv from "iconv-lite";
import type { SourceProblem } from "./source-problem.js";

export type DecodeResult = { text: string; problems: SourceProblem[] } | { text: null; problems: SourceProblem[] };

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export function decodeFile(bytes: Uint8Array, file: string): DecodeResult {
  try {
    return { text: stripByteOrderMark(strictUtf8.decode(bytes)), problems: [] };
  } catch {
    // Not UTF-8: fall through to detection.
  }
  const detected = (chardet.detect(bytes) ?? "").toUpperCase();
  if (/^(GB18030|GBK|GB2312|GB_2312-80|HZ-GB-2312)$/.test(detected) || looksLikeGb18030(bytes)) {
    return {
      text: stripByteOrderMark(iconv.decode(Buffer.from(bytes), "gb18030")),
      problems: [
        {
          severity: "warning",
          code: "SOURCE_ENCODING",
          file,
          message: "file is GB18030-encoded, not UTF-8; it was decoded as GB18030",
          hint: `Convert it to UTF-8 to silence this warning, e.g. \`iconv -f GB18030 -t UTF-8 "${file}" -o "${file}.utf8"\`.`,
        },
      ],
    };
  }
  return {
    text: null,
    problems: [
      {
        severity: "error",
        code: "SOURCE_ENCODING",
        file,
        message: `file is not valid UTF-8${detected ? ` (it looks like ${detected})` : ""}`,
        hint: "Save the file as UTF-8 and re-index.",
      },
    ],
  };
}

/** GB18030 decodes every byte sequence; accept it only when nearly all multibyte pairs are well-formed. */
function looksLikeGb18030(bytes: Uint8Array): boolean {
  let pairs = 0;
  let bad = 0;
  for (let index = 0; index < bytes.length; index++) {
    const lead = bytes[index];
    if (lead < 0x80) continue;
    const trail = bytes[index + 1];
    if (lead >= 0x81 && lead <= 0xfe && trail !== undefined && trail >= 0x40 && trail <= 0xfe && trail !== 0x7f) {
      pairs++;
      index++;
    } else if (lead >= 0x81 && lead <= 0xfe && trail !== undefined && trail >= 0x30 && trail <= 0x39) {
      pairs++;
      index += 3;
    } else {
      bad++;
    }
  }
  return pairs > 0 && bad / (pairs + bad) < 0.01;
}

function stripByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
