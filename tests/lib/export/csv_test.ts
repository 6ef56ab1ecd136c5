import assert from "node:assert/strict";
import { csvCell, csvRow } from "../../../lib/export/csv.ts";

Deno.test("csvCell - defuses strings a spreadsheet would evaluate as formulas", () => {
  assert.equal(csvCell("=1+1"), "'=1+1");
  assert.equal(csvCell("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
  assert.equal(csvCell("-2+3"), "'-2+3");
  assert.equal(csvCell("@SUM(A1)"), "'@SUM(A1)");
  assert.equal(csvCell("\t=1"), "'\t=1");
  assert.equal(csvCell('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
  assert.equal(csvCell("root"), "root");
  // Numbers stay numbers.
  assert.equal(csvCell(-5), "-5");
  assert.equal(csvCell(undefined), "");
});

Deno.test("csvRow - quotes commas, quotes and line breaks (RFC 4180)", () => {
  assert.equal(csvRow(["a,b", 'say "hi"', "x\ny", 3]), `"a,b","say ""hi""","x\ny",3\r\n`);
});
