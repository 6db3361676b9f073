import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.test import Client as DjangoClient
from django.utils import translation


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Passwords hashed with a cheap hasher in tests, as Django's testing docs advise: PBKDF2's
    1,000,000 iterations cost ~0.5 s of a core per user, and most tests create one user per role.
    The production hashers stay listed after it, so a hash made by the service still verifies."""
    from django.test.utils import override_settings

    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher", *django_settings.PASSWORD_HASHERS]
    with override_settings(PASSWORD_HASHERS=hashers):
        yield


@pytest.fixture(autouse=True)
def _site_language():
    """Every test starts in the site's language: a request to an /en/ page in an earlier test leaves
    English active in this thread, and reverse() would then build /en/ URLs for the next one."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


class Client(DjangoClient):
    """The test client, whose force_login signs staff in completely: password and second factor
    (a confirmed authenticator is made for the user when missing and recorded in the session as
    django-otp does after a code). force_login_password_only leaves a staff session half signed in."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        self.otp_verify(user)

    def force_login_password_only(self, user, backend=None):
        super().force_login(user, backend)

    def otp_verify(self, user) -> None:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from accounts.second_factor import second_factor_required

        if not second_factor_required(user):
            return
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="tests", confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


@pytest.fixture
def client():
    """pytest-django's client, signing staff in with their second factor too (see Client)."""
    return Client()


@pytest.fixture(scope="session")
def sample_city(django_db_setup, django_db_blocker):
    """The synthetic sample city, loaded once into the test database for the tests that read it."""
    with django_db_blocker.unblock():
        call_command("sample_city_load", verbosity=0)


@pytest.fixture
def city(sample_city, db):
    """Per-test access to the loaded sample city (each test's own changes are rolled back)."""
    return sample_city


@pytest.fixture
def live_url(transactional_db, settings):
    """The whole WSGI stack on a free port, static files served by WhiteNoise as in production.

    pytest-django's live_server puts a finder-based static handler in front, which cannot serve the
    hashed names that the manifest storage writes into pages.
    """
    from django.test.testcases import LiveServerThread

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    thread = LiveServerThread("127.0.0.1", lambda handler: handler, connections_override={}, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


@pytest.fixture(autouse=True)
def short_retries(settings):
    """Delivery retries in tests: the same strategy, with back-off in about a second per step."""
    settings.NOTIFICATION_RETRY_ATTEMPTS = 3
    settings.NOTIFICATION_RETRY_WAIT_S = 0
    settings.NOTIFICATION_RETRY_BACKOFF_S = 1.2


def _database_url(db: dict) -> str:
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    return f"postgis://{credentials}{quote(db['HOST'] or '', safe='')}:{db['PORT'] or 5432}/{quote(db['NAME'])}"


class Worker:
    """A real `manage.py procrastinate worker` process on the test database (its output in a log)."""

    def __init__(self, process: subprocess.Popen, log: Path):
        self.process = process
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # a graceful stop: the job in hand is finished
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def start_worker(transactional_db, settings, tmp_path):
    """Start real job workers (transactional_db: they see what the test commits); each is stopped
    after the test and the queue is emptied. The worker gets the test's settings that matter to
    jobs: the test database, MEDIA_ROOT, the notification backend, gateway and retry strategy."""
    settings.MEDIA_ROOT = tmp_path / "media"
    workers: list[Worker] = []
    _queue_empty()  # jobs other tests committed (and whose rows are gone) are not this test's

    def start(*, concurrency: int = 2) -> Worker:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(settings.DATABASES["default"]),
            "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "NOTIFICATION_BACKEND": settings.NOTIFICATION_BACKEND,
            "NOTIFICATION_GATEWAY": settings.NOTIFICATION_GATEWAY,
            "NOTIFICATION_RETRY_ATTEMPTS": str(settings.NOTIFICATION_RETRY_ATTEMPTS),
            "NOTIFICATION_RETRY_WAIT_S": str(settings.NOTIFICATION_RETRY_WAIT_S),
            "NOTIFICATION_RETRY_BACKOFF_S": str(settings.NOTIFICATION_RETRY_BACKOFF_S),
            "DJANGO_LOG_LEVEL": "INFO",
        }
        log = tmp_path / f"worker-{len(workers)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "procrastinate",
                    "worker",
                    f"--concurrency={concurrency}",
                    # scheduled retries are found by polling: ask often so short test back-offs stay short
                    "--fetch-job-polling-interval=0.2",
                    "--abort-job-polling-interval=0.5",
                ],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        worker = Worker(process, log)
        workers.append(worker)
        deadline = time.monotonic() + 60
        while not _worker_registered():
            if process.poll() is not None or time.monotonic() > deadline:
                worker.stop()
                pytest.fail(f"the job worker did not start:\n{worker.output()[-3000:]}")
            time.sleep(0.1)
        return worker

    yield start
    for worker in workers:
        worker.stop()
    _queue_empty()


def _queue_empty() -> None:
    """Procrastinate's tables are not flushed with the test's data: empty them."""
    with connection.cursor() as cur:
        cur.execute("DELETE FROM procrastinate_jobs")
        cur.execute("DELETE FROM procrastinate_workers")


def _worker_registered() -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM procrastinate_workers")
        return cur.fetchone()[0] > 0


@pytest.fixture
def job_worker(start_worker):
    """One real job worker, started before the test (see start_worker)."""
    return start_worker()


def wait_for(predicate, *, timeout: float = 30, every: float = 0.1, what: str = "the condition"):
    """Poll until predicate() is truthy (what it returned) or fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def run_jobs_here() -> list[str]:
    """Run the jobs deferred so far in this test's own transaction, in this process, once each (for
    tests on the `db` fixture, whose uncommitted rows no worker can see; retries are left out)."""
    from procrastinate import JobContext
    from procrastinate.contrib.django import app
    from procrastinate.jobs import Job

    done = []
    while True:
        with connection.cursor() as cur:
            cur.execute("SELECT * FROM procrastinate_jobs WHERE status = 'todo' ORDER BY id LIMIT 1")
            row = cur.fetchone()
            if row is None:
                return done
            fields = dict(zip([c.name for c in cur.description], row, strict=True))
            if isinstance(fields["args"], str):  # Django's cursor leaves JSON as text
                fields["args"] = json.loads(fields["args"])
            job = Job.from_row(fields)
            cur.execute("UPDATE procrastinate_jobs SET status = 'doing' WHERE id = %s", [job.id])
        task = app.tasks[job.task_name]
        context = JobContext(app=app, job=job, start_timestamp=time.time(), abort_reason=lambda: None)
        task(*([context] if task.pass_context else []), **job.task_kwargs)
        with connection.cursor() as cur:
            cur.execute("UPDATE procrastinate_jobs SET status = 'succeeded' WHERE id = %s", [job.id])
        done.append(job.task_name)
