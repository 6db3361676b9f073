"""URLs of documents. `page_patterns` are the pages (Persian at /documents/, English at /en/documents/); `root_patterns`
are mounted at the site's root without a language prefix (APIs, well-known URLs)."""

app_name = "documents"

page_patterns: list = []
root_patterns: list = []
