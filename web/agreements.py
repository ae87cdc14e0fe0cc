"""Agreement pages: register data, stage, timeline, documents, diagram."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import request
from flask import send_from_directory
from flask import url_for
from flask_babel import gettext as _

from engine import InvalidInput
from engine import queries

from . import access
from . import formjs
from . import schemas
from . import store
from . import summaries
from . import supervisor_repair
from . import supervisor_schemas
from .auth import login_required
from .auth import roles_required
from .db import get_engine
from .db import refresh_register
from .errors import translate_errors
from .pages import paginate
from .pages import render_page
from .uploads import save_upload
from .users import PARTNER_ROLE
from .users import PROPOSER_ROLE

bp = Blueprint("agreements", __name__, url_prefix="/agreements")


@bp.route("/", endpoint="index")
@bp.route("/index.json", endpoint="index_json")
@login_required
def index():
    engine = get_engine()
    rows = [s for s in summaries.list_summaries(engine) if access.may_read(g.user, s)]
    page = paginate(rows)
    return render_page(
        "agreements/index.html",
        schemas.AgreementListSchema(),
        {"agreements": page.pop("rows"), **page},
    )


@bp.route("/<int:instance_id>", endpoint="show")
@bp.route("/<int:instance_id>.json", endpoint="show_json")
@login_required
def show(instance_id: int):
    summary = access.readable_agreement(instance_id)
    engine = get_engine()
    tasks = engine.list_tasks(instance_id=instance_id, states=None)
    open_tasks = [t for t in tasks if t.is_open]
    data = {
        "agreement": summary,
        "open_tasks": open_tasks,
        "timeline": engine.list_events(instance_id),
        "documents": store.list_documents(engine.db, instance_id),
        "comments": store.list_comments(engine.db, instance_id),
        "diagram": _diagram(summary, tasks, open_tasks),
        "offer": _waiting_offer(instance_id),
    }
    schema = schemas.AgreementPageSchema()
    if g.user.is_staff:
        # The operation log names officers and their reasons: staff only.
        data["operations"] = engine.list_operations(instance_id)
        schema = supervisor_schemas.StaffAgreementPageSchema()
    return render_page(
        "agreements/show.html",
        schema,
        data,
        workable={t.id for t in open_tasks if access.may_work(g.user, t, summary)},
        repair=supervisor_repair.agreement_form(engine, g.user.actor, summary),
    )


def _diagram(summary, tasks, open_tasks) -> dict[str, Any]:
    current = sorted({t.spec_name for t in open_tasks})
    # A task of a called process is drawn in that process's diagram, not in
    # the lifecycle's, so the diagram is looked up by the current element.
    where = {"element": current[0]} if current else {}
    return {
        "url": url_for("agreements.diagram", instance_id=summary["id"], **where),
        "current": current,
        "completed": sorted({t.spec_name for t in tasks if t.state == "completed"}),
    }


def _waiting_offer(instance_id: int) -> bool:
    """Tell whether the agreement waits for the partner's answer to an offer."""
    name = current_app.config["OFFER_ACCEPTED_MESSAGE"]
    return bool(queries.waiting_for(get_engine().db, name, instance_id=instance_id))


@bp.route("/<int:instance_id>/diagram.xml")
@login_required
def diagram(instance_id: int):
    """The BPMN source that holds ``element``, else the agreement's process."""
    access.readable_agreement(instance_id)
    engine = get_engine()
    info = engine.get_instance(instance_id)
    version = next(
        v for v in engine.versions.history(info.process_id) if v.version == info.version
    )
    element = request.args.get("element")
    if element:
        pattern = rf'<(\w+:)?\w+\b[^>]*\bid="{re.escape(element)}"'
    else:
        pattern = rf'<(\w+:)?process\b[^>]*\bid="{re.escape(info.process_id)}"'
    for text in engine.versions.sources(version.version_id).values():
        if re.search(pattern, text):
            return Response(text, mimetype="application/xml")
    abort(404)


@bp.post("/<int:instance_id>/comments")
@login_required
def comment(instance_id: int):
    access.readable_agreement(instance_id)
    engine = get_engine()
    store.add_comment(
        engine.db,
        instance_id,
        g.user.username,
        request.form.get("body", ""),
        now=engine.clock.now(),
    )
    flash(_("The comment is added."))
    return redirect(url_for("agreements.show", instance_id=instance_id) + "#comments")


@bp.post("/<int:instance_id>/documents")
@login_required
def upload(instance_id: int):
    access.readable_agreement(instance_id)
    save_upload(instance_id)
    return redirect(url_for("agreements.show", instance_id=instance_id) + "#documents")


@bp.route("/<int:instance_id>/documents/<int:document_id>")
@login_required
def download(instance_id: int, document_id: int):
    access.readable_agreement(instance_id)
    document = store.get_document(get_engine().db, document_id)
    if document["instance_id"] != instance_id:
        abort(404)
    return send_from_directory(
        Path(current_app.config["UPLOAD_FOLDER"]),
        document["sha256"],
        mimetype=document["content_type"],
        as_attachment=True,
        download_name=document["name"],
    )


@bp.post("/<int:instance_id>/offer")
@roles_required(PARTNER_ROLE)
def answer_offer(instance_id: int):
    """The partner accepts or declines the regency's offer."""
    access.readable_agreement(instance_id)
    answer = request.form.get("answer")
    config = current_app.config
    names = {
        "accept": config["OFFER_ACCEPTED_MESSAGE"],
        "decline": config["OFFER_DECLINED_MESSAGE"],
    }
    if answer not in names:
        raise InvalidInput(
            "The answer must be accept or decline.",
            {"answer": [_("Choose whether to accept or decline the offer.")]},
        )
    note = request.form.get("note", "").strip()
    get_engine().send_message(
        names[answer],
        actor=g.user.actor,
        instance_id=instance_id,
        data={"tanggapan_mitra": answer, "catatan_mitra": note},
    )
    refresh_register()
    flash(_("Your answer is sent."))
    return redirect(url_for("agreements.show", instance_id=instance_id))


@bp.route("/new", methods=("GET", "POST"))
@roles_required(PROPOSER_ROLE, PARTNER_ROLE)
def new():
    """Start a new agreement from the proposal form."""
    config = current_app.config
    engine = get_engine()
    form = formjs.load_form(config["FORMS_PATH"], config["PROPOSAL_FORM"])
    answers: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}

    if request.method == "POST":
        answers = formjs.read_submission(form, request.form)
        if g.user.is_partner:
            # A partner proposes for its own institution, whatever was typed.
            keys = {c["key"] for c in formjs.fields(form)}
            answers["nama_mitra" if "nama_mitra" in keys else "mitra"] = g.user.partner
        try:
            if engine.form_validator is not None:
                answers = engine.form_validator(config["PROPOSAL_FORM"], answers)
            instance_id = engine.start(
                config["PROPOSAL_PROCESS"], actor=g.user.actor, data=answers
            )
        except InvalidInput as e:
            errors = translate_errors(e.errors)
            flash(_("Some answers are not valid. Correct them and send again."))
        else:
            refresh_register()
            flash(_("The proposal is started."))
            return redirect(url_for("agreements.show", instance_id=instance_id))

    page = render_page(
        "agreements/new.html",
        schemas.ProposalSchema(),
        {"form": form, "answers": answers, "errors": errors},
    )
    return (page, 400) if errors else page
