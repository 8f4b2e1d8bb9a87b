"""Directory records for the tenancy test world: staff, history, a transfer, an import."""

from __future__ import annotations

import datetime as dt
import io

from flexhub.core.audit import Actor
from flexhub.core.testing.world import MEMBERS, WORLD_BUILDERS, World
from flexhub.directory.models import StaffMember, StagedImport
from flexhub.directory.services import staff_import, staged_import_store, tupe_transfer

HEADER = "name,email,unit,site,grade,start_date,leave_date,predecessor\n"


def staff_csv(code: str, name: str) -> bytes:
    lower = code.lower()
    rows = [
        f"{name} Analyst,analyst@{lower}.gov.uk,Policy,London,SEO,2019-04-01,,",
        f"{name} Engineer,engineer@{lower}.gov.uk,Digital,Leeds,G7,2019-04-01,,",
        f"{name} Clerk,clerk@{lower}.gov.uk,Policy,London,EO,2019-04-01,,",
        f"{name} User,{lower}-user@example.gov.uk,Digital,Leeds,EO,2019-04-01,,",
    ]
    return (HEADER + "\n".join(rows) + "\n").encode()


def build_directory(world: World, actor: Actor) -> None:
    for code in MEMBERS:
        org = world.orgs[code]
        content = staff_csv(code, org.name)
        # mypy cannot type a lambda whose default binds the loop variable (python/mypy#15459)
        staff_import(actor=actor, organisation=org, open_file=lambda c=content: io.BytesIO(c))  # type: ignore[misc]
        staged = staged_import_store(
            actor=actor, organisation=org, kind="staff", filename=f"{code}.csv", chunks=[content]
        )
        StagedImport.objects.filter(pk=staged.pk).update(summary={"rows": 4})
        clerk = StaffMember.objects.get(email=f"clerk@{code.lower()}.gov.uk")
        supplier = world.frameworks[{"QUILL": "TWO", "WREN": "THREE"}.get(code, "ONE")].suppliers.first()
        tupe_transfer(
            actor=actor, staff=clerk, to_supplier=supplier, transfer_date=dt.date(2021, 1, 1), terms_protected=True
        )


WORLD_BUILDERS.append(build_directory)
