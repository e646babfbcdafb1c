from server.db import domain_app
from server.org import tables

APP_CONFIG = domain_app(tables)
