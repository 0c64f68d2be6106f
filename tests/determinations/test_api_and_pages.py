import pytest
from django.urls import reverse

from governance.choices import Role
from governance.determinations.models import Determination, SafeguardsReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(frameworks):
    return frameworks["2.2"]


def test_determination_api_walks_the_workflow(client, officers, snapshot, version):
    threshold = version.thresholds.get(code="Autonomy checkpoint")
    level = version.levels.get(code="ASL-3")
    client.force_login(officers["safety"])
    created = client.post(
        "/api/v1/determinations/",
        {
            "model": snapshot.model_id,
            "title": "Report",
            "summary": "Findings.",
            "elicitation_statement": "Ten attempts per task with a ReAct agent and tools.",
            "required_level": level.pk,
            "findings": [{"threshold": threshold.pk, "outcome": "crossed", "rationale": "60%"}],
            "required_safeguards": [],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["findings"][0]["threshold_code"] == "Autonomy checkpoint"
    bad = client.patch(
        f"/api/v1/determinations/{pk}/",
        {"findings": [{"threshold": threshold.pk, "outcome": "maybe"}]},
        content_type="application/json",
    )
    assert bad.status_code == 400
    short = client.post(f"/api/v1/determinations/{pk}/submit/")
    assert short.status_code == 400 and "ASL-3 Security Standard" in str(short.json())
    security = version.safeguards.get(code="ASL-3-Security")
    client.patch(
        f"/api/v1/determinations/{pk}/",
        {"required_safeguards": [security.pk]},
        content_type="application/json",
    )
    assert client.post(f"/api/v1/determinations/{pk}/submit/").json()["state"] == "in_review"
    client.force_login(officers["reviewer"])
    assert (
        client.post(
            f"/api/v1/determinations/{pk}/review/", [1], content_type="application/json"
        ).status_code
        == 400
    )
    reviewed = client.post(
        f"/api/v1/determinations/{pk}/review/", {"critique": "ok"}, content_type="application/json"
    )
    assert reviewed.json()["state"] == "reviewed"
    for who in ("rso", "ceo"):
        client.force_login(officers[who])
        client.post(f"/api/v1/determinations/{pk}/sign/")
    client.force_login(officers["rso"])
    assert client.post(f"/api/v1/determinations/{pk}/sign/").status_code == 400
    for who in ("director", "trustee"):
        client.force_login(officers[who])
        client.post(
            f"/api/v1/determinations/{pk}/acknowledge/", {}, content_type="application/json"
        )
    assert Determination.objects.get(pk=pk).state == "final"
    client.force_login(officers["auditor"])
    assert client.get(f"/api/v1/determinations/{pk}/").json()["acknowledged_by"]


def test_safeguards_api(client, officers, snapshot, version):
    standard = version.safeguards.get(code="ASL-3-Security")
    evidence = {criterion.code: "Done." for criterion in standard.criteria.all()}
    client.force_login(officers["safety"])
    created = client.post(
        "/api/v1/safeguards-reports/",
        {
            "model": snapshot.model_id,
            "standard": standard.pk,
            "summary": "Met.",
            "evidence": evidence,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    client.post(f"/api/v1/safeguards-reports/{pk}/submit/")
    for who in ("rso", "ceo"):
        client.force_login(officers[who])
        response = client.post(f"/api/v1/safeguards-reports/{pk}/approve/")
    assert response.json()["in_force"] is True
    assert response.json()["evidence"] == evidence


def test_pages_show_each_step_only_to_those_who_may_take_it(client, officers, snapshot, version):
    client.force_login(officers["safety"])
    response = client.post(
        reverse("determination-create"),
        {"model": snapshot.model_id, "title": "Report", "summary": "Text"},
    )
    determination = Determination.objects.get()
    assert response["Location"] == reverse("determination-edit", args=[determination.pk])
    threshold = version.thresholds.get(code="Autonomy checkpoint")
    form = {
        "title": "Report",
        "summary": "Text",
        "elicitation_statement": "Ten attempts per task with a ReAct agent and tools.",
        "required_level": version.levels.get(code="ASL-3").pk,
        "required_safeguards": [version.safeguards.get(code="ASL-3-Security").pk],
        f"finding_{threshold.pk}_outcome": "cannot_rule_out",
        f"finding_{threshold.pk}_rationale": "Could not rule out.",
        f"finding_{threshold.pk}_evidence": "evaluation:abc",
    }
    bad = client.post(reverse("determination-edit", args=[determination.pk]), form)
    assert "write evidence as evaluation:12" in bad.content.decode()
    form[f"finding_{threshold.pk}_evidence"] = ""
    assert (
        client.post(reverse("determination-edit", args=[determination.pk]), form).status_code == 302
    )
    detail = client.get(determination.get_absolute_url()).content.decode()
    assert "Submit for internal review" in detail and "Cannot rule out" in detail
    client.post(reverse("determination-step", args=[determination.pk, "submit"]))
    client.force_login(officers["reviewer"])
    assert "Record the review" in client.get(determination.get_absolute_url()).content.decode()
    client.force_login(officers["trustee"])
    page = client.get(determination.get_absolute_url()).content.decode()
    assert "Record the review" not in page and "Sign the determination" not in page


def test_safeguards_pages(client, officers, snapshot, version):
    standard = version.safeguards.get(code="ASL-3-Security")
    client.force_login(officers["safety"])
    data = {"model": snapshot.model_id, "standard": standard.pk, "summary": "Met."}
    for criterion in standard.criteria.all():
        data[f"criterion_{criterion.pk}"] = "Evidence."
    response = client.post(reverse("safeguards-create"), data)
    report = SafeguardsReport.objects.get()
    assert response.status_code == 302
    client.post(reverse("safeguards-step", args=[report.pk, "submit"]))
    client.force_login(officers["rso"])
    assert "Approve" in client.get(report.get_absolute_url()).content.decode()
    client.force_login(officers["trustee"])
    assert "Approve</button>" not in client.get(report.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "url", ["/api/v1/determinations/", "/determinations/", "/api/v1/safeguards-reports/"]
)
def test_lists_query_count_does_not_grow(client_for, officers, snapshot, version, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from governance.determinations.services.determinations import determination_create

    client = client_for(Role.AUDITOR)
    determination_create(actor=officers["safety"], model=snapshot.model, title="a", summary="b")

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = count()
    for n in range(3):
        determination_create(
            actor=officers["safety"], model=snapshot.model, title=f"t{n}", summary="s"
        )
    assert count() == few


def test_attachments_keep_their_hash_and_only_drafts_take_them(
    client, officers, snapshot, version, settings, tmp_path
):
    import hashlib

    from django.core.files.uploadedfile import SimpleUploadedFile

    from governance.determinations.services.determinations import determination_create

    settings.MEDIA_ROOT = tmp_path
    determination = determination_create(
        actor=officers["safety"], model=snapshot.model, title="t", summary="s"
    )
    client.force_login(officers["safety"])
    content = b"red-team transcript summary"
    response = client.post(
        f"/api/v1/determinations/{determination.pk}/attach/",
        {"file": SimpleUploadedFile("notes.txt", content)},
    )
    assert response.status_code == 201
    assert response.json()["sha256"] == hashlib.sha256(content).hexdigest()
    page = client.get(determination.get_absolute_url()).content.decode()
    assert "notes.txt" in page and hashlib.sha256(content).hexdigest() in page
    attachment = determination.attachments.get()
    download = client.get(reverse("attachment-download", args=[attachment.pk]))
    assert b"".join(download.streaming_content) == content
    client.force_login(officers["rso"])
    refused = client.post(
        f"/api/v1/determinations/{determination.pk}/attach/",
        {"file": SimpleUploadedFile("x.txt", b"x")},
    )
    assert refused.status_code == 403


def test_detail_links_the_evidence_and_the_list_flags_contradictions(
    client, officers, snapshot, version, machine, autonomy_suite
):
    from evals.models import ThresholdEvaluation
    from governance.determinations.services.determinations import (
        determination_create,
        determination_update,
    )
    from tests.evals.conftest import CROSSING_JSON, post_log

    post_log(machine, CROSSING_JSON)
    evaluation = ThresholdEvaluation.objects.get()
    determination = determination_create(
        actor=officers["safety"], model=snapshot.model, title="t", summary="s"
    )
    determination_update(
        actor=officers["safety"],
        determination=determination,
        findings=[
            {
                "threshold": evaluation.threshold,
                "outcome": "below",
                "rationale": "Overly conservative.",
                "evidence": [{"type": "evaluation", "id": evaluation.pk}],
            }
        ],
    )
    client.force_login(officers["auditor"])
    detail = client.get(determination.get_absolute_url()).content.decode()
    assert evaluation.run.get_absolute_url() in detail
    assert "contradicts the evaluations" in detail
    assert (
        "finding contradicts the evaluations"
        in client.get(reverse("determination-list")).content.decode()
    )
    client.force_login(officers["safety"])
    bad = client.patch(
        f"/api/v1/determinations/{determination.pk}/",
        {
            "findings": [
                {
                    "threshold": evaluation.threshold_id,
                    "outcome": "below",
                    "evidence": [{"type": "run", "id": 999}],
                }
            ]
        },
        content_type="application/json",
    )
    assert bad.status_code == 400 and "no eval run 999" in str(bad.json())


def test_resolving_a_threshold_escalation_on_its_page_links_the_determination(
    client, officers, snapshot, version, machine, autonomy_suite
):
    from governance.oversight.models import Escalation
    from tests.determinations.test_determinations import decide, draft
    from tests.evals.conftest import CROSSING_JSON, post_log

    post_log(machine, CROSSING_JSON)
    escalation = Escalation.objects.get()
    determination = decide(officers, draft(officers, snapshot, version))
    client.force_login(officers["rso"])
    page = client.get(escalation.get_absolute_url()).content.decode()
    assert f'<option value="{determination.pk}">' in page
    client.post(
        reverse("escalation-action", args=[escalation.pk, "resolve"]),
        {"note": "Decided ASL-3.", "determination": str(determination.pk)},
    )
    escalation.refresh_from_db()
    assert (escalation.state, escalation.determination_id) == ("resolved", determination.pk)


def test_odd_input_on_pages_and_api_is_4xx(client, officers, snapshot, version):
    from governance.determinations.services.determinations import determination_create

    determination = determination_create(
        actor=officers["safety"], model=snapshot.model, title="t", summary="s"
    )
    threshold = version.thresholds.get(code="Autonomy checkpoint")
    client.force_login(officers["safety"])
    form = {
        "title": "t",
        "summary": "s",
        f"finding_{threshold.pk}_outcome": "crossed",
        f"finding_{threshold.pk}_evidence": "bogus:5",
    }
    response = client.post(reverse("determination-edit", args=[determination.pk]), form)
    assert response.status_code == 200
    assert "type must be" in response.content.decode()
    client.force_login(officers["rso"])
    assert (
        client.post(
            reverse("determination-step", args=[determination.pk, "justify"]), {"finding": "abc"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/api/v1/determinations/x1/justify/", {}, content_type="application/json"
        ).status_code
        == 404
    )


def test_rejected_api_creation_leaves_no_draft(client, officers, snapshot, version):
    threshold = version.thresholds.get(code="Autonomy checkpoint")
    client.force_login(officers["safety"])
    response = client.post(
        "/api/v1/determinations/",
        {
            "model": snapshot.model_id,
            "title": "t",
            "summary": "s",
            "findings": [
                {
                    "threshold": threshold.pk,
                    "outcome": "crossed",
                    "evidence": [{"type": "run", "id": 1}],
                }
            ],
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert Determination.objects.count() == 0


def test_safeguards_api_list_query_count_with_evidence(client_for, officers, snapshot, version):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from governance.determinations.services.safeguards import safeguards_report_create

    standard = version.safeguards.get(code="ASL-3-Security")
    evidence = {c.code: "x" for c in standard.criteria.all()}
    client = client_for(Role.AUDITOR)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/safeguards-reports/").status_code == 200
        return len(captured)

    safeguards_report_create(
        actor=officers["safety"],
        model=snapshot.model,
        standard=standard,
        summary="s",
        evidence=evidence,
    )
    few = count()
    for _ in range(4):
        safeguards_report_create(
            actor=officers["safety"],
            model=snapshot.model,
            standard=standard,
            summary="s",
            evidence=evidence,
        )
    assert count() == few


def test_send_back_is_the_reviewers_in_review_and_the_deciders_once_reviewed(
    client, officers, snapshot, version
):
    """The README and the API agree: a reviewer sends a report back while reviewing it; the
    RSO or the CEO once it is reviewed; no one else."""
    threshold = version.thresholds.get(code="Autonomy checkpoint")
    client.force_login(officers["safety"])
    pk = client.post(
        "/api/v1/determinations/",
        {
            "model": snapshot.model_id,
            "title": "Report",
            "summary": "Findings.",
            "elicitation_statement": "Ten attempts per task with a ReAct agent and tools.",
            "required_level": version.levels.get(code="ASL-3").pk,
            "findings": [{"threshold": threshold.pk, "outcome": "crossed", "rationale": "60%"}],
            "required_safeguards": [version.safeguards.get(code="ASL-3-Security").pk],
        },
        content_type="application/json",
    ).json()["id"]
    url = f"/api/v1/determinations/{pk}/send-back/"

    def submit():
        client.force_login(officers["safety"])
        assert client.post(f"/api/v1/determinations/{pk}/submit/").json()["state"] == "in_review"

    def send_back(who):
        client.force_login(officers[who])
        return client.post(url, {"note": "Add the helpful-only runs."}, "application/json")

    submit()
    assert send_back("rso").status_code == 403  # not the deciders' step yet
    back = send_back("reviewer")
    assert back.status_code == 200 and back.json()["state"] == "draft"
    assert back.json()["review_critique"] == "Add the helpful-only runs."
    submit()
    client.force_login(officers["reviewer"])
    client.post(f"/api/v1/determinations/{pk}/review/", {"critique": "ok"}, "application/json")
    assert send_back("reviewer").status_code in (400, 403)  # reviewed: now the deciders'
    back = send_back("ceo")
    assert back.status_code == 200 and back.json()["state"] == "draft"
