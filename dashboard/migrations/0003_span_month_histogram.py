"""A monthly histogram of the stage spans, so a season's or a year's median and 90th percentile per stage
are read from a few thousand rows by a cumulative sum instead of sorting a third of the history.

dashboard_span_month: per Gregorian month (of the local date the span ended), stage, district (0: the
file has none; -1: every district together) and measure (n: net, g: gross), the spans in each duration
bucket and how many of them kept within the stage's limit. A bucket is a duration in tenths of a day:
to the nearest 0.1 day below 10 days, to the nearest day from 10 days up (so percentiles read from it
are exact to that width). dashboard.selectors.stage_times reads the whole months of a period here and
the days at its edges from dashboard_stage_span, bucketed the same way. Refreshed CONCURRENTLY after
dashboard_stage_span by the periodic job dashboard.figures_refresh."""

# ruff: noqa: S608 - fixed DDL; TZ is the project setting.

from django.conf import settings
from django.db import migrations

TZ = settings.TIME_ZONE

# the bucket of a duration s (seconds), in tenths of a day; dashboard.selectors.BUCKET_SQL is the same
BUCKET = "(CASE WHEN {s} < 864000 THEN round({s} / 8640.0) ELSE round({s} / 86400.0) * 10 END)::int"

SPAN_MONTH = f"""
CREATE MATERIALIZED VIEW dashboard_span_month AS
SELECT x.month, x.stage, CASE WHEN GROUPING(x.district) = 1 THEN -1 ELSE x.district END AS district,
       x.measure, x.bucket, count(*)::int AS n, (count(*) FILTER (WHERE x.within_limit))::int AS within
  FROM (SELECT date_trunc('month', s.last_left AT TIME ZONE '{TZ}')::date AS month, s.stage,
               coalesce(s.district, 0) AS district, m.measure, {BUCKET.format(s="m.secs")} AS bucket,
               s.within_limit
          FROM dashboard_stage_span s, LATERAL (VALUES ('n', s.net_s), ('g', s.gross_s)) AS m(measure, secs)) x
 GROUP BY GROUPING SETS ((x.month, x.stage, x.district, x.measure, x.bucket), (x.month, x.stage, x.measure, x.bucket))
WITH NO DATA;
CREATE UNIQUE INDEX dashboard_span_month_key ON dashboard_span_month (district, month, stage, measure, bucket)
    INCLUDE (n, within);
REFRESH MATERIALIZED VIEW dashboard_span_month;
"""


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0002_figures_views")]

    operations = [migrations.RunSQL(SPAN_MONTH, "DROP MATERIALIZED VIEW IF EXISTS dashboard_span_month;")]
