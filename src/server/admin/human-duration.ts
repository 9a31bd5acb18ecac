/**
 * A re-index's duration as a person reads it ("850 毫秒", "1.1 秒", "2 分 5 秒"): the raw
 * `1126.8042419999983 ms` the console used to print says more digits than anyone can use.
 * Kept as page-script source, because the console formats durations in the browser as runs finish.
 */
export const HUMAN_DURATION_SCRIPT = String.raw`
function humanDuration(ms) {
  if (!(ms >= 0)) return "";
  if (Math.round(ms) < 1000) return Math.round(ms) + " 毫秒";
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return tenths / 10 + " 秒";
  const seconds = Math.round(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  const parts = hours > 0 ? [hours + " 小时", minutes + " 分"] : [minutes + " 分", rest + " 秒"];
  return parts.filter((part) => !part.startsWith("0 ")).join(" ");
}
`;
