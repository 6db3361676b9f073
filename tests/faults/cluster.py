"""A throwaway PostGIS cluster for the fault drills: initdb into its own folder with its own socket
folder and port, so stopping it never touches the test database the rest of the suite uses.
The server binaries are found as scripts/lib.sh finds them (the newest /usr/lib/postgresql/*/bin);
as root the cluster runs as the `postgres` account, as PostgreSQL requires."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote


def pg_bin() -> Path:
    """The newest PostgreSQL server binaries (the same search as scripts/lib.sh)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql")
    return found[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """initdb, start, stop, immediate stop; the database `drill` with PostGIS."""

    def __init__(self):
        self.bin = pg_bin()
        # /var/tmp, not pytest's tmp_path: the postgres account must be able to enter the folder
        self.root = Path(tempfile.mkdtemp(prefix="bojnord-drill-", dir="/var/tmp"))
        self.data, self.run = self.root / "data", self.root / "run"
        self.port = free_port()
        self.dbname = "drill"
        self.root.chmod(0o755)
        for folder in (self.data, self.run):
            folder.mkdir(mode=0o700)
            if os.getuid() == 0:
                shutil.chown(folder, "postgres", "postgres")
        self._as_pg("initdb", "-D", str(self.data), "-U", "gis", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8")
        conf = (
            "\nlisten_addresses = ''\n"
            f"port = {self.port}\nunix_socket_directories = '{self.run}'\n"
            "fsync = off\nshared_buffers = 32MB\nmax_connections = 30\n"
        )
        self._as_pg("sh", "-c", f"cat >> {self.data}/postgresql.conf", input=conf)
        self.start()
        self.psql("postgres", f"CREATE DATABASE {self.dbname}")
        self.psql(self.dbname, "CREATE EXTENSION postgis")

    def _as_pg(self, program: str, *args: str, input: str | None = None) -> str:
        exe = str(self.bin / program) if (self.bin / program).exists() else program
        command = [exe, *args]
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, input=input, capture_output=True, text=True, cwd="/", check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def psql(self, database: str, sql: str) -> str:
        return self._as_pg(
            "psql", "-h", str(self.run), "-p", str(self.port), "-U", "gis", "-d", database, "-tAXq", "-c", sql
        )

    @property
    def url(self) -> str:
        return f"postgis://gis@{quote(str(self.run), safe='')}:{self.port}/{self.dbname}"

    @property
    def socket_path(self) -> Path:
        return self.run / f".s.PGSQL.{self.port}"

    def start(self) -> None:
        self._as_pg("pg_ctl", "-D", str(self.data), "-l", str(self.data / "server.log"), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._as_pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
