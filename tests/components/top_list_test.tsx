import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { TopList } from "../../components/TopList.tsx";

Deno.test("TopList - an empty value reads as 'empty', set apart from any attacker string", () => {
  const html = renderToString(
    <TopList
      title="Passwords"
      field="password"
      items={[{ value: "123456", count: 9 }, { value: "", count: 5 }, { value: "empty", count: 2 }]}
    />,
  );
  assert.match(html, /<code class="val">123456<\/code>/);
  assert.match(html, /<em class="val muted">empty<\/em><span class="count">5<\/span>/);
  // The literal string "empty" stays code.
  assert.match(html, /<code class="val">empty<\/code><span class="count">2<\/span>/);
});
