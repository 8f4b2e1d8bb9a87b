"""The REST API under /api/v1/: one router for every app's viewsets (namespace `api`)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from flexhub.assets import api as assets_api
from flexhub.assurance import api as assurance_api
from flexhub.benefits import api as benefits_api
from flexhub.billing import api as billing_api
from flexhub.core import api as core_api
from flexhub.directory import api as directory_api
from flexhub.frameworks import api as frameworks_api
from flexhub.government import api as government_api
from flexhub.rollout import api as rollout_api
from flexhub.servicedesk import api as servicedesk_api

app_name = "api"

router = DefaultRouter()
router.register("organisations", core_api.OrganisationViewSet, basename="organisation")
router.register("people", core_api.PersonViewSet, basename="person")
router.register("audit", core_api.AuditEntryViewSet, basename="auditentry")
router.register("frameworks", frameworks_api.FrameworkViewSet, basename="framework")
router.register("towers", frameworks_api.TowerViewSet, basename="tower")
router.register("services", frameworks_api.ServiceViewSet, basename="service")
router.register("contracts", frameworks_api.ContractViewSet, basename="contract")
router.register("deliveries", frameworks_api.DeliveryViewSet, basename="delivery")
router.register("seat-change-requests", frameworks_api.SeatChangeViewSet, basename="seatchangerequest")

router.register("billing-runs", billing_api.BillingRunViewSet, basename="billingrun")
router.register("invoices", billing_api.InvoiceViewSet, basename="invoice")
router.register("credit-notes", billing_api.CreditNoteViewSet, basename="creditnote")
router.register("payments", billing_api.PaymentViewSet, basename="payment")
router.register("tickets", servicedesk_api.TicketViewSet, basename="ticket")
router.register("staff", directory_api.StaffViewSet, basename="staffmember")
router.register("assets", assets_api.AssetViewSet, basename="asset")
router.register("transfers", directory_api.TupeViewSet, basename="tupetransfer")
router.register("government-changes", government_api.MachineryChangeViewSet, basename="machinerychange")
router.register("exposure-decisions", assurance_api.DecisionViewSet, basename="exposuredecision")
router.register("data-classifications", assurance_api.ClassificationViewSet, basename="dataclassification")
router.register("supplier-jurisdictions", assurance_api.SupplierJurisdictionViewSet, basename="supplierjurisdiction")
router.register("sub-processors", assurance_api.SubProcessorViewSet, basename="subprocessor")
router.register("data-locations", assurance_api.DataLocationViewSet, basename="datalocation")
router.register("service-handlers", assurance_api.ServiceHandlerViewSet, basename="servicehandler")
router.register("ticket-events", servicedesk_api.TicketEventViewSet, basename="ticketevent")
router.register("rollout-templates", rollout_api.RolloutTemplateViewSet, basename="rollouttemplate")
router.register("programmes", rollout_api.ProgrammeViewSet, basename="programme")
router.register("programme-stages", rollout_api.ProgrammeStageViewSet, basename="programmestage")
router.register("waves", rollout_api.WaveViewSet, basename="wave")
router.register("baselines", benefits_api.MemberBaselineViewSet, basename="memberbaseline")

urlpatterns = [
    path("me/", core_api.me, name="me"),
    path("what-if/", billing_api.whatif, name="whatif"),
    path("sla/", billing_api.sla_report, name="sla"),
    path("aged-debt/", billing_api.aged_debt_report, name="aged-debt"),
    path("scorecards/", servicedesk_api.scorecards, name="scorecards"),
    path("exposure/", assurance_api.ExposureReportView.as_view(), name="exposure"),
    path("benefits/carbon/", benefits_api.framework_carbon, name="benefits-carbon"),
    path("benefits/savings/", benefits_api.framework_savings, name="benefits-savings"),
    *router.urls,
]
