"""The media storage: a full disk is a clear refusal, never a half-written file.

FileSystemStorage writes a file chunk by chunk and leaves what it wrote when the disk fills
(ENOSPC), the user's quota ends (EDQUOT) or the file passes the size limit (EFBIG). MediaStorage
removes that partial file and raises StorageFull, which the upload services turn into their own
translated refusal before any row is saved (surveys.intake, permits.services).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os

from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class StorageFull(OSError):
    """No room to store an uploaded file; nothing of it is left on the disk."""


def storage_full_message() -> str:
    return _("The server has no room to store the file at the moment. Nothing was saved; please try again later.")


class MediaStorage(FileSystemStorage):
    def _save(self, name, content):
        try:
            return super()._save(name, content)
        except OSError as exc:
            if exc.errno not in _FULL:
                raise
            # the name was free (get_available_name) and opened with O_EXCL: the partial file is ours
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path(name))
            log.error("media storage full while saving %s: %s", name, exc)
            raise StorageFull(exc.errno, os.strerror(exc.errno)) from exc
