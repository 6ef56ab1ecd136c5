/**
 * CSV encoding (RFC 4180) with spreadsheet formula-injection protection: attacker strings
 * (usernames, passwords, commands, URLs) that begin with `=`, `+`, `-`, `@`, a tab or a
 * carriage return are prefixed with `'` so Excel, LibreOffice and Google Sheets show them as
 * text instead of evaluating them (OWASP "CSV Injection").
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV cell. Numbers are written as they are (a negative number is a number, not a
 * formula); strings are defused and quoted when needed; null and undefined are empty.
 *
 * @example csvCell("=HYPERLINK(\"http://x\")") // => "\"'=HYPERLINK(\"\"http://x\"\")\""
 */
export function csvCell(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  let s = typeof v === "string" ? v : JSON.stringify(v);
  if (FORMULA_START.test(s)) s = "'" + s;
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One CSV record, CRLF-terminated as RFC 4180 says. */
export function csvRow(values: readonly unknown[]): string {
  return values.map(csvCell).join(",") + "\r\n";
}
