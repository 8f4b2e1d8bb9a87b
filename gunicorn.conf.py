"""gunicorn reads this file when started from the repository: the settings live in the package
(flexhub/gunicorn_conf.py), so an installed wheel has them too."""

from flexhub.gunicorn_conf import *  # noqa: F403
