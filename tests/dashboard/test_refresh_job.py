"""The period figures are refreshed by a job on a real worker (the periodic task, deferred here at once)."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from dashboard import selectors
from dashboard.models import FiguresRefresh
from dashboard.periods import jalali_month
from dashboard.selectors import Scope
from tests.conftest import wait_for
from tests.dashboard.conftest import V, at, history


@pytest.mark.django_db(transaction=True)
def test_the_refresh_job_brings_new_history_into_the_figures(job_worker, plot, people):
    history(
        plot,
        people[Role.CITIZEN],
        [V("secretariat", at(2026, 11, 2), at(2026, 11, 4), "advance"), V("inspection", at(2026, 11, 4))],
    )
    from django.utils import timezone

    from dashboard.tasks import figures_refresh

    # the worker may have run the periodic refresh when it started, before this history: wait for ours
    asked = timezone.now()
    figures_refresh.configure(queueing_lock="test-refresh").defer(timestamp=0)
    wait_for(lambda: FiguresRefresh.objects.filter(finished_at__gt=asked).exists(), what="the refresh job")
    (sec,) = [
        t
        for t in selectors.stage_times(scope=Scope(None, None, "", False), period=jalali_month(1405, 8))
        if t.stage == "secretariat"
    ]
    assert sec.spans == 1 and sec.net_median_days == 2.0
    assert selectors.figures_as_of() is not None
