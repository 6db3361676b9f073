"""The dashboard's two materialised views over the stage history (read-only: nothing writes them but
`REFRESH MATERIALIZED VIEW CONCURRENTLY`, which dashboard.services.figures_refresh runs every few
minutes as a periodic job).

dashboard_stage_span: one row per request and stage it has finished with. gross_s is the time the file
spent at the stage plus the time it waited on the applicant after the stage returned it (a return, then
the resubmission); net_s leaves that waiting out. A span the applicant still has to answer is not
finished and is left out. within_limit: every visit left by its own due date (working days,
permits.calendar); officer_id: who moved the file out of the stage the last time.

dashboard_decision: one row per decided request (issued or rejected): from submission to decision, gross
and net of every wait on the applicant.

Why materialised: a percentile over the whole stage history (a million visits) is a sort of all of
them; the views hold one row per span with the lead() over each request's visits already done, and are
indexed by the time the span ended and by district, so a period's figures read only that period."""

# ruff: noqa: S608 - fixed DDL; TZ is the project setting.

from django.conf import settings
from django.db import migrations

TZ = settings.TIME_ZONE

_VISITS = """
    SELECT sv.id, sv.request_id, sv.stage, sv.entered_at, sv.left_at, sv.left_by_id, sv.outcome, sv.due_on,
           lead(sv.entered_at) OVER (PARTITION BY sv.request_id ORDER BY sv.entered_at, sv.id) AS next_entered
      FROM permits_stagevisit sv
"""

STAGE_SPAN = f"""
CREATE MATERIALIZED VIEW dashboard_stage_span AS
WITH v AS ({_VISITS})
SELECT v.request_id, v.stage, r.file_id, f.district, r.kind,
       min(v.entered_at) AS first_entered,
       max(v.left_at) AS last_left,
       sum(extract(epoch FROM v.left_at - v.entered_at))::float8 AS net_s,
       sum(extract(epoch FROM v.left_at - v.entered_at)
           + CASE WHEN v.outcome = 'return' THEN extract(epoch FROM v.next_entered - v.left_at) ELSE 0 END
       )::float8 AS gross_s,
       bool_and((v.left_at AT TIME ZONE '{TZ}')::date <= v.due_on) AS within_limit,
       (array_agg(v.left_by_id ORDER BY v.left_at DESC))[1] AS officer_id
  FROM v
  JOIN permits_permitrequest r ON r.id = v.request_id
  JOIN parcels_propertyfile f ON f.id = r.file_id
 GROUP BY v.request_id, v.stage, r.file_id, f.district, r.kind
HAVING bool_and(v.left_at IS NOT NULL)
   AND NOT bool_or(v.outcome = 'return' AND v.next_entered IS NULL)
WITH NO DATA;
CREATE UNIQUE INDEX dashboard_stage_span_key ON dashboard_stage_span (request_id, stage);
CREATE INDEX dashboard_stage_span_left ON dashboard_stage_span (last_left) INCLUDE (stage, district, net_s, gross_s);
CREATE INDEX dashboard_stage_span_district_left ON dashboard_stage_span (district, last_left);
REFRESH MATERIALIZED VIEW dashboard_stage_span;
"""

DECISION = f"""
CREATE MATERIALIZED VIEW dashboard_decision AS
WITH v AS ({_VISITS}),
waits AS (
    SELECT request_id, sum(extract(epoch FROM next_entered - left_at))::float8 AS wait_s
      FROM v WHERE outcome = 'return' AND next_entered IS NOT NULL GROUP BY request_id
)
SELECT r.id AS request_id, r.file_id, f.district, r.kind, r.status, r.submitted_at, r.closed_at,
       extract(epoch FROM r.closed_at - r.submitted_at)::float8 AS gross_s,
       (extract(epoch FROM r.closed_at - r.submitted_at) - coalesce(w.wait_s, 0))::float8 AS net_s
  FROM permits_permitrequest r
  JOIN parcels_propertyfile f ON f.id = r.file_id
  LEFT JOIN waits w ON w.request_id = r.id
 WHERE r.status IN ('issued', 'rejected') AND r.submitted_at IS NOT NULL AND r.closed_at IS NOT NULL
WITH NO DATA;
CREATE UNIQUE INDEX dashboard_decision_key ON dashboard_decision (request_id);
CREATE INDEX dashboard_decision_closed ON dashboard_decision (closed_at) INCLUDE (district, kind, status, net_s, gross_s);
CREATE INDEX dashboard_decision_district_closed ON dashboard_decision (district, closed_at);
REFRESH MATERIALIZED VIEW dashboard_decision;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_unit_head_figures_refresh"),
        ("permits", "0006_one_open_request_holiday_names"),
        ("parcels", "0006_propertyfile"),
    ]

    operations = [
        migrations.RunSQL(STAGE_SPAN, "DROP MATERIALIZED VIEW IF EXISTS dashboard_stage_span;"),
        migrations.RunSQL(DECISION, "DROP MATERIALIZED VIEW IF EXISTS dashboard_decision;"),
    ]
