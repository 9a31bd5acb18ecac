/**
 * Plain text inside WeCom markdown. Answers quote the knowledge folder, and text replies carry file
 * names, error messages and example questions; none of them may turn into a link, bold, code, a
 * `<font>` tag or a mention (`<@all>` notifies everyone in a group, `<@userid>` one person). WeCom
 * documents no escape character, so the characters that start markup mid-line get their
 * full-width twins: every `<`, whatever follows it, since `<@` is a mention and not a tag.
 */
export function plainTextAsMarkdown(text: string): string {
  return text.replace(/\[/g, "【").replace(/\]/g, "】").replace(/\*/g, "＊").replace(/`/g, "｀").replace(/</g, "＜");
}
