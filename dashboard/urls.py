"""URLs of dashboard. `page_patterns` are the pages (Persian at /dashboard/, English at /en/dashboard/); `root_patterns`
are mounted at the site's root without a language prefix (APIs, well-known URLs)."""

app_name = "dashboard"

page_patterns: list = []
root_patterns: list = []
