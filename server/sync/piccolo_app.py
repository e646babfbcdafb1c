from server.db import domain_app
from server.sync import tables

# The change log's triggers are created on the tables of these apps.
APP_CONFIG = domain_app(
    tables,
    depends_on=(
        "server.org",
        "server.goals",
        "server.checkins",
        "server.feedback",
        "server.alerts",
    ),
)
