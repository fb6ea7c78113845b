/** Truncation on UTF-16 code units that never leaves half a surrogate pair. */

export function keepStart(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return s.slice(0, end);
}

export function keepEnd(s: string, max: number): string {
  if (s.length <= max) return s;
  let start = s.length - max;
  const c = s.charCodeAt(start);
  if (c >= 0xdc00 && c <= 0xdfff) start++;
  return s.slice(start);
}
