/**
 * Plain text inside WeCom markdown. Text replies carry file names, error messages and example
 * questions; none of them may turn into a link, bold, code or a `<font>` tag. WeCom documents no
 * escape character, so the few characters that start markup mid-line get their full-width twins,
 * the same way link texts are treated in render-reply.ts.
 */
export function plainTextAsMarkdown(text: string): string {
  return text
    .replace(/\[/g, "【")
    .replace(/\]/g, "】")
    .replace(/\*/g, "＊")
    .replace(/`/g, "｀")
    .replace(/<(?=[A-Za-z/!])/g, "＜");
}
