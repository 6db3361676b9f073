"""URLs of inquiries. `page_patterns` are the pages (Persian at /inquiries/, English at /en/inquiries/); `root_patterns`
are mounted at the site's root without a language prefix (APIs, well-known URLs)."""

app_name = "inquiries"

page_patterns: list = []
root_patterns: list = []
