"""Edit sessions and looks: what the user asked for, saved as small versioned JSON. No Qt."""

from studio.session.files import (
    default_session_path,
    find_source,
    load_session,
    parse_session_text,
    save_session,
)
from studio.session.looks import (
    BUILTIN_LOOKS,
    LookInfo,
    list_looks,
    load_look,
    save_look,
    user_looks_dir,
)
from studio.session.migrations import CURRENT_VERSION, FORMAT_NAME, migrate
from studio.session.model import (
    Crop,
    Session,
    Source,
    file_sha256,
    session_from_dict,
    session_to_dict,
)

__all__ = [
    "BUILTIN_LOOKS",
    "CURRENT_VERSION",
    "FORMAT_NAME",
    "Crop",
    "LookInfo",
    "Session",
    "Source",
    "default_session_path",
    "file_sha256",
    "find_source",
    "list_looks",
    "load_look",
    "load_session",
    "migrate",
    "parse_session_text",
    "save_look",
    "save_session",
    "session_from_dict",
    "session_to_dict",
    "user_looks_dir",
]
