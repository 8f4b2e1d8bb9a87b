"""Assets for the tenancy test world: a few per member, one assigned to its member user, one disposed."""

from __future__ import annotations

import datetime as dt
import io

from flexhub.assets.models import Asset
from flexhub.assets.services import asset_dispose, asset_import
from flexhub.core.audit import Actor
from flexhub.core.testing.world import MEMBERS, WORLD_BUILDERS, World

HEADER = "asset_tag,serial,kind,manufacturer,model,site,status,assigned_email\n"


def build_assets(world: World, actor: Actor) -> None:
    for code in MEMBERS:
        lower = code.lower()
        rows = [
            f"{code}-0001,SN{code}1,thin-client,Fujitsu,Futro S740,London,deployed,{lower}-user@example.gov.uk",
            f"{code}-0002,SN{code}2,laptop,Dell,Latitude 5440,Leeds,in-stock,",
            f"{code}-0003,SN{code}3,desktop,HP,Elite 600,London,retired,",
        ]
        content = (HEADER + "\n".join(rows) + "\n").encode()
        # mypy cannot type a lambda whose default binds the loop variable (python/mypy#15459)
        asset_import(actor=actor, organisation=world.orgs[code], open_file=lambda c=content: io.BytesIO(c))  # type: ignore[misc]
        asset_dispose(
            actor=actor,
            asset=Asset.objects.get(asset_tag=f"{code}-0003"),
            method="shred",
            date=dt.date(2021, 5, 1),
            certificate_ref=f"CERT-{code}-1",
        )


WORLD_BUILDERS.append(build_assets)
