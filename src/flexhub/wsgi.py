"""WSGI entry point for gunicorn or any WSGI server."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import reverse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flexhub.settings")
application = get_wsgi_application()

# The URLconf, and with it every view and API module, is imported here rather than by the first
# request. Under gunicorn's preload_app the workers are forked with it already loaded, so neither
# a new worker nor one replacing another after max_requests keeps its first callers waiting half
# a second; and a broken URLconf stops the server at start, not at its first request.
reverse("home")
