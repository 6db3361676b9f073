"""Monthly counts of the stage spans by officer: per Gregorian month (of the local date the span ended),
stage, district (0: the file has none; -1: every district together) and the officer who moved the file
on (0: nobody recorded), how many spans were moved and how many of them late. late_by_officer and the
counts of the lists of files behind a stage read the whole months of a period here and the days at its
edges from dashboard_stage_span. Also two indexes so the slowest spans of a period are found in order
of net time instead of sorting the period. Refreshed CONCURRENTLY by dashboard.figures_refresh."""

# ruff: noqa: S608 - fixed DDL; TZ is the project setting.

from django.conf import settings
from django.db import migrations

TZ = settings.TIME_ZONE

LATE_MONTH = f"""
CREATE MATERIALIZED VIEW dashboard_late_month AS
SELECT x.month, x.stage, CASE WHEN GROUPING(x.district) = 1 THEN -1 ELSE x.district END AS district,
       x.officer_id, count(*)::int AS moved, (count(*) FILTER (WHERE NOT x.within_limit))::int AS late
  FROM (SELECT date_trunc('month', s.last_left AT TIME ZONE '{TZ}')::date AS month, s.stage,
               coalesce(s.district, 0) AS district, coalesce(s.officer_id, 0) AS officer_id, s.within_limit
          FROM dashboard_stage_span s) x
 GROUP BY GROUPING SETS ((x.month, x.stage, x.district, x.officer_id), (x.month, x.stage, x.officer_id))
WITH NO DATA;
CREATE UNIQUE INDEX dashboard_late_month_key ON dashboard_late_month (district, month, stage, officer_id)
    INCLUDE (moved, late);
REFRESH MATERIALIZED VIEW dashboard_late_month;
CREATE INDEX dashboard_stage_span_stage_net ON dashboard_stage_span (stage, net_s DESC, request_id);
CREATE INDEX dashboard_stage_span_net ON dashboard_stage_span (net_s DESC, request_id);
"""


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0003_span_month_histogram")]

    operations = [
        migrations.RunSQL(
            LATE_MONTH,
            """DROP MATERIALIZED VIEW IF EXISTS dashboard_late_month;
               DROP INDEX IF EXISTS dashboard_stage_span_stage_net;
               DROP INDEX IF EXISTS dashboard_stage_span_net;""",
        )
    ]
