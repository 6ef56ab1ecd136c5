"""mkdocs hook: a link from a page to a file outside docs/ (e.g. ../collector/README.md) cannot
be part of the site; it is written as the repository path in code font instead, so
`mkdocs build --strict` passes and the reader still knows where to look."""
import re

_OUTSIDE = re.compile(r"\[([^\]]+)\]\((\.\./[^)\s]+)\)")


def on_page_markdown(markdown, page, config, files):
    def repl(m):
        path = m.group(2)
        while path.startswith("../"):
            path = path[3:]
        text = m.group(1)
        return f"`{path}`" if text.strip("`") == path else f"{text} (`{path}`)"

    return _OUTSIDE.sub(repl, markdown)
