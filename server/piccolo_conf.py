"""Piccolo's configuration module.

Piccolo's CLI (`PICCOLO_CONF=server.piccolo_conf piccolo migrations new org --auto`) reads
`DB` and `APP_REGISTRY` from here. The running app replaces `DB` through `server.db.bind`.
"""

from typing import Any

from piccolo.conf.apps import AppRegistry
from piccolo.engine.base import Engine

from server.db import APP_MODULES, build_engine
from server.settings import Settings

DB: Engine[Any] = build_engine(Settings())
APP_REGISTRY = AppRegistry(apps=list(APP_MODULES))
