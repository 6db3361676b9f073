"""URLs of drawings. `page_patterns` are the pages (Persian at /drawings/, English at /en/drawings/); `root_patterns`
are mounted at the site's root without a language prefix (APIs, well-known URLs)."""

app_name = "drawings"

page_patterns: list = []
root_patterns: list = []
