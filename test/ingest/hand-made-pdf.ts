/**
 * Tiny PDFs written byte by byte for the bad-input tests: a file whose cross-reference offsets are
 * right, so pdf.js reaches what is being tested (the security handler) instead of failing earlier.
 */

/** A one-page PDF; with `encrypted`, a standard security handler (RC4, revision 2) whose user password is not empty. */
export function handMadePdf(options: { encrypted?: boolean; text?: string } = {}): Buffer {
  const text = options.text ?? "Hello";
  const stream = `BT /F1 12 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  // O and U values that no empty password produces: the reader must ask for a password.
  if (options.encrypted) objects.push(`<< /Filter /Standard /V 1 /R 2 /Length 40 /P -4 /O <${"ab".repeat(32)}> /U <${"cd".repeat(32)}> >>`);
  let body = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(body.length);
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((offset) => `${String(offset).padStart(10, "0")} 00000 n \n`).join("")}`;
  const id = "0123456789abcdef0123456789abcdef";
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R${options.encrypted ? ` /Encrypt ${objects.length} 0 R /ID [<${id}> <${id}>]` : ""} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, "latin1");
}

/** UTF-16BE hex of `text`, as a string in a font encoded with UniGB-UCS2-H. */
function ucs2Hex(text: string): string {
  return [...text].map((character) => character.charCodeAt(0).toString(16).padStart(4, "0")).join("");
}

/**
 * A PDF of Chinese text, one array of lines per page, in the standard STSong-Light font (Adobe-GB1,
 * not embedded, UniGB-UCS2-H encoding): pdf.js reads the text through its bundled character maps,
 * so no font file and no browser is needed. `title` becomes the document's Title metadata.
 */
export function handMadeChinesePdf(pages: string[][], options: { title?: string } = {}): Buffer {
  const objects: string[] = [];
  const add = (object: string) => objects.push(object) - 1 + 1;
  const catalog = add("");
  const pageTree = add("");
  const font = add("<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [0 0 R] >>");
  const descendant = add(
    "<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> /FontDescriptor 0 0 R /DW 1000 >>",
  );
  const descriptor = add(
    "<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
  );
  objects[font - 1] = objects[font - 1].replace("[0 0 R]", `[${descendant} 0 R]`);
  objects[descendant - 1] = objects[descendant - 1].replace("/FontDescriptor 0 0 R", `/FontDescriptor ${descriptor} 0 R`);
  const pageNumbers: number[] = [];
  for (const lines of pages) {
    const stream = `BT /F1 12 Tf 14 TL 40 780 Td ${lines.map((line) => `<${ucs2Hex(line)}> Tj T*`).join(" ")} ET`;
    const contents = add(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
    pageNumbers.push(
      add(`<< /Type /Page /Parent ${pageTree} 0 R /MediaBox [0 0 595 842] /Contents ${contents} 0 R /Resources << /Font << /F1 ${font} 0 R >> >> >>`),
    );
  }
  objects[catalog - 1] = `<< /Type /Catalog /Pages ${pageTree} 0 R >>`;
  objects[pageTree - 1] = `<< /Type /Pages /Kids [${pageNumbers.map((number) => `${number} 0 R`).join(" ")}] /Count ${pageNumbers.length} >>`;
  const info = options.title === undefined ? undefined : add(`<< /Title <feff${ucs2Hex(options.title)}> /Producer (hand-made) >>`);
  let body = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(body.length);
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((offset) => `${String(offset).padStart(10, "0")} 00000 n \n`).join("")}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R${info ? ` /Info ${info} 0 R` : ""} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, "latin1");
}
