"""URLs of reports. `page_patterns` are the pages (Persian at /reports/, English at /en/reports/); `root_patterns`
are mounted at the site's root without a language prefix (APIs, well-known URLs)."""

app_name = "reports"

page_patterns: list = []
root_patterns: list = []
