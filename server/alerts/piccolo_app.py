from server.alerts import tables
from server.db import domain_app

APP_CONFIG = domain_app(tables, depends_on=("server.org", "server.goals"))
