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
