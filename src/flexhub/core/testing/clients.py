"""Clients signed in as a test-world login: on the pages (a session) or on the API (its token)."""

from __future__ import annotations

from django.test import Client
from rest_framework.test import APIClient

from flexhub.core.audit import Actor
from flexhub.core.services import user_token
from flexhub.core.testing.world import World


def page_client(world: World, username: str) -> Client:
    client = Client()
    client.force_login(world.users[username])
    return client


def api_client(world: World, username: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {user_token(actor=Actor.for_cli(), user=world.users[username])}")
    return client
