from server.db import domain_app
from server.sync import tables

APP_CONFIG = domain_app(tables, depends_on=("server.org", "server.checkins", "server.feedback"))
