"""Refusals as text: the only place where a ``Refusal`` (``grants.rules.refusal``) becomes words.

``MESSAGES`` maps every refusal code to a lazily translated msgid with named placeholders; the
catalogs (zh_Hant, zh_Hans, en) give the words. Params are formatted for the reader's language
here, by kind: money (``PARAM_KINDS``), datetimes in the round's local time, dates, numbers,
lists, and texts given in three languages (a rubric criterion's label).

Views call ``flash_refusal(exc)`` or ``attach(form, exc)``; nothing else turns a refusal into text.
``scripts/i18n.py check`` and ``tests/platform/test_refusals.py`` fail when a code raised anywhere
has no entry here, or an entry has no translation in one of the three catalogs.

Codes are grouped by stage below. Add a stage's codes in its own section.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import flash
from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l

from grants.rules.refusal import Problem, Refusal

MESSAGES: dict[str, object] = {
    # ---------------------------------------------------------------- shared
    "required": _l("This field is required."),
    "choose_one": _l("Choose at least one."),
    "rows_missing": _l("Fill in at least one row."),
    "amount_invalid": _l("Enter an amount in yuan, e.g. 150000 or 150000.50."),
    "amount_negative": _l("The amount cannot be negative."),
    "amount_decimals": _l("Amounts have at most 2 decimal places (fen)."),
    "amount_too_large": _l("That amount is too large."),
    "deadline_passed": _l("The deadline has passed (%(deadline)s); the proposal can no longer be changed."),
    # ---------------------------------------------------------------- intake (申報)
    "line_category": _l("Choose a budget category."),
    "line_item_missing": _l("Describe the budget item."),
    "line_price_zero": _l("The unit price must be greater than zero."),
    "line_quantity": _l("The quantity must be greater than zero."),
    "line_quantity_decimals": _l("Quantities have at most 2 decimal places."),
    "budget_empty": _l("Add at least one budget line."),
    "requested_zero": _l("The requested amount must be greater than zero."),
    "over_cap": _l("The requested amount %(requested)s is above this round's cap of %(cap)s per project."),
    "total_mismatch": _l("The budget lines add up to %(total)s, but the requested amount plus matching funds is "
                         "%(sum)s. They must be equal."),
    "admin_share": _l("Administration costs are %(share)s%% of the budget; at most %(max)s%% is allowed."),
    "beneficiaries_positive": _l("Enter the number of beneficiaries (person-times)."),
    "end_before_start": _l("The project must end after it starts."),
    "before_period": _l("Projects of this round may start on %(date)s at the earliest."),
    "after_period": _l("Projects of this round must end by %(date)s."),
    "attachments_missing": _l("Required documents are missing: %(kinds)s."),
    "not_editable": _l("This proposal can no longer be changed: its status is “%(status)s”, and only drafts and "
                       "proposals returned for revision can be edited."),
    "call_not_open": _l("The call for proposals is not open yet."),
    "not_withdrawable": _l("Only a submitted proposal (or one returned for revision) can be withdrawn; this one is "
                           "“%(status)s”."),
    "not_reopenable": _l("Only a withdrawn proposal can be reopened; this one is “%(status)s”."),
    "quota": _l("Your organization may file at most %(max)s proposals in this round."),
    "not_deletable": _l("Only a draft that was never submitted can be deleted. A proposal with a submission "
                        "number keeps it: withdraw it instead."),
    # ---------------------------------------------------------------- uploads (every stage)
    "upload_empty": _l("Choose a file to upload."),
    "upload_too_large": _l("The file is larger than %(limit_mb)s MB. Please upload a smaller file (for example a "
                           "scan at a lower resolution)."),
    "upload_total_too_large": _l("All attachments of a proposal together may be at most %(limit_mb)s MB. Remove a "
                                 "file or upload a smaller one."),
    "upload_bad_name": _l("The file name is not acceptable. Rename the file and try again."),
    "upload_unsupported": _l("Only PDF, JPEG and PNG files are accepted."),
    "upload_mismatch": _l("The file's content does not match its name's extension."),
    "upload_damaged": _l("The file seems damaged or incomplete. Please export or scan it again."),
    "upload_duplicate": _l("This file is already attached as this document type."),
    "upload_pdf_too_many_pages": _l("The PDF has more than %(limit)s pages. Please upload only the pages needed."),
    "upload_image_too_large": _l("The image has more than %(limit)s million pixels. Please scan or photograph it "
                                 "at a lower resolution."),
    # ---------------------------------------------------------------- screening (資格審查)
    "not_screenable": _l("This proposal cannot be screened: its status is “%(status)s”. Only submitted proposals "
                         "(and ones already screened) can be screened."),
    "reason_required": _l("Give the reason; the organization will read it."),
    "deadline_in_past": _l("The revision deadline must be in the future."),
    # ---------------------------------------------------------------- review (專家評審)
    # a reviewer's or judge's score sheet (grants.rules.rubric.validate; "label" is the criterion's)
    "score_missing": _l("Please enter a score for “%(label)s”."),
    "score_not_a_number": _l("The score for “%(label)s” must be a number."),
    "score_out_of_range": _l("The score for “%(label)s” must be between %(min)s and %(max)s."),
    "score_off_step": _l("The score for “%(label)s” must be a multiple of %(step)s."),
    "score_comment_required": _l("The score for “%(label)s” is in the “%(band)s” band: please add a comment "
                                 "explaining it."),
    "veto_unanswered": _l("Please answer the veto item “%(label)s”."),
    "veto_comment_required": _l("You answered “yes” to the veto item “%(label)s”: please give the reason."),
    "bonus_not_a_number": _l("The bonus for “%(label)s” must be a number."),
    "bonus_out_of_range": _l("The bonus for “%(label)s” must be between %(min)s and %(max)s."),
    "bonus_off_step": _l("The bonus for “%(label)s” must be a multiple of %(step)s."),
    "score_unknown_item": _l("The score sheet has no item “%(key)s”."),
    "review_window_closed": _l("The review window is closed: scores can no longer be saved."),
    "review_changed": _l("This review was changed in another window or tab since you opened it. Nothing was "
                         "overwritten: your version is in the form below, the stored version is shown beside it. "
                         "Check both, then save again."),
    # a rubric pasted or uploaded by an admin ("path" is the key path in the JSON, e.g. criteria[2].bands[1].max)
    "rubric_text_missing": _l("Paste the rubric JSON or choose a file."),
    "rubric_file_too_large": _l("The file is too large for a rubric (at most 200 KB)."),
    "rubric_file_not_utf8": _l("The file is not UTF-8 text."),
    "rubric_json_syntax": _l("The JSON is not valid at line %(line)s, column %(column)s."),
    "rubric_json_duplicate_key": _l("The key “%(key)s” appears twice in the same JSON object."),
    "rubric_json_constant": _l("%(value)s is not allowed in a rubric: write a number."),
    "rubric_json_too_deep": _l("The JSON is nested too deeply to be a rubric."),
    "rubric_number_out_of_range": _l("%(path)s: numbers in a rubric lie between −%(limit)s and %(limit)s, with at "
                                     "most %(places)s decimal places."),
    "rubric_json_too_large": _l("The JSON is too long for a rubric (at most %(limit)s thousand characters)."),
    "rubric_json_number_too_long": _l("A number in the JSON is too long to be a rubric setting."),
    "rubric_json_surrogate": _l("The JSON contains an invalid character escape (a lone surrogate such as "
                                "\\ud800): remove it."),
    "rubric_top_not_object": _l("The rubric must be a JSON object: { … }."),
    "rubric_not_object": _l("%(path)s: must be an object { … }."),
    "rubric_key_required": _l("%(path)s: is required."),
    "rubric_key_unknown": _l("%(path)s: unknown key (check the spelling)."),
    "rubric_not_number": _l("%(path)s: must be a number."),
    "rubric_number_text": _l("%(path)s: must be a number, not “%(value)s”."),
    "rubric_not_finite": _l("%(path)s: must be a finite number."),
    "rubric_not_string": _l("%(path)s: must be a text in double quotes."),
    "rubric_not_boolean": _l("%(path)s: must be true or false."),
    "rubric_not_integer": _l("%(path)s: must be a whole number."),
    "rubric_not_list": _l("%(path)s: must be a list [ … ]."),
    "rubric_not_text": _l("%(path)s: must give the text in zh_Hant, zh_Hans and en."),
    "rubric_text_empty": _l("%(path)s: must not be empty."),
    "rubric_not_positive": _l("%(path)s: must be greater than 0."),
    "rubric_negative": _l("%(path)s: must not be negative."),
    "rubric_key_invalid": _l("%(path)s: “%(value)s” is not a valid key: use lowercase letters, digits and _, "
                             "starting with a letter."),
    "rubric_key_duplicate": _l("%(path)s: the key “%(value)s” is already used at %(other)s."),
    "rubric_version_invalid": _l("%(path)s: must be a whole number of at least 1, not %(value)s."),
    "rubric_no_criteria": _l("%(path)s: at least one criterion is required."),
    "rubric_step_divides": _l("%(path)s: the step %(step)s does not divide max_points %(max)s."),
    "rubric_no_bands": _l("%(path)s: at least one band is required."),
    "rubric_band_min_above_max": _l("%(path)s: min %(min)s is greater than max %(max)s."),
    "rubric_band_off_step": _l("%(path)s: %(value)s is not a multiple of the step %(step)s."),
    "rubric_band_start": _l("%(path)s: the lowest band must start at 0, not %(value)s."),
    "rubric_band_end": _l("%(path)s: the highest band must end at max_points %(max)s, not %(value)s."),
    "rubric_band_overlap": _l("%(path)s: overlaps %(other)s (%(other_range)s and %(range)s)."),
    "rubric_band_gap": _l("%(path)s: gap after %(other)s: scores between %(low)s and %(high)s (step %(step)s) "
                          "fall in no band."),
    "rubric_bonus_cap_zero": _l("%(path)s: is 0, so the bonus items could never count."),
    # ---------------------------------------------------------------- assignment (分配)
    "not_a_reviewer": _l("%(name)s is not a reviewer."),
    "reviewer_deactivated": _l("%(name)s's account is deactivated."),
    "proposal_not_assignable": _l("%(proposal)s has not passed screening (or is past the review stage): it cannot "
                                  "get new reviewers."),
    "conflict_same_organization": _l("%(reviewer)s works for the organization that submitted %(proposal)s: "
                                     "conflict of interest."),
    "conflict_affiliation": _l("%(reviewer)s has a declared tie with the organization that submitted %(proposal)s: "
                               "conflict of interest."),
    "conflict_declared": _l("%(reviewer)s has declared a conflict of interest with %(proposal)s."),
    "already_assigned": _l("%(reviewer)s is already assigned to %(proposal)s."),
    "review_already_submitted": _l("This reviewer has already submitted the review: the assignment cannot be "
                                   "removed."),
    "stale_preview": _l("The assignments, reviewers or conflicts changed after this preview was made, so it was not "
                        "applied. Run the preview again and check it before confirming."),
    "no_feasible_assignment": _l("No assignment satisfies every rule; nothing was changed."),
    "csv_encoding": _l("The file is neither UTF-8 nor GBK text. Save it as \"CSV UTF-8\" and try again."),
    "csv_empty": _l("The file is empty."),
    "csv_header": _l("The first row must name the columns, with at least \"proposal_number\" and "
                     "\"reviewer_email\"."),
    "csv_row_incomplete": _l("The proposal number and the reviewer's email are both required."),
    "unknown_proposal_number": _l("No proposal is numbered %(number)s in this round."),
    "unknown_reviewer_email": _l("No reviewer has the email address %(email)s."),
    "duplicate_row": _l("This row repeats row %(row)s."),
    #   why the automatic assignment has no solution (grants.rules.assignment)
    "too_few_eligible": _l("Proposal %(proposal)s has only %(eligible)s reviewers without a conflict of interest, "
                           "fewer than the %(required)s required per proposal. Invite more reviewers, raise their "
                           "maximum load, or lower the number of reviewers per proposal for its category."),
    "capacity_short": _l("The reviewers' maximum loads add up to %(capacity)s reviews but %(demand)s are needed: "
                         "short by %(shortfall)s. Raise maximum loads or invite more reviewers."),
    "min_load_excess": _l("The reviewers' minimum loads add up to %(min_total)s reviews, more than the %(demand)s "
                          "needed in total (by %(excess)s). Lower some minimum loads."),
    "min_load_unreachable": _l("Reviewer %(reviewer)s can review only %(eligible)s proposals without a conflict of "
                               "interest, fewer than their minimum load of %(min_load)s. Lower their minimum load."),
    "kept_exceeds_k": _l("Proposal %(proposal)s already keeps %(kept)s reviewers, more than the %(required)s "
                         "required. Remove the extra assignments."),
    "kept_exceeds_max_load": _l("Reviewer %(reviewer)s already keeps %(kept)s reviews, more than their maximum load "
                                "of %(max_load)s. Raise the maximum or remove some assignments."),
    "group_shortage": _l("These %(count)s proposals need %(demand)s reviews together, but the reviewers who can "
                         "review them (no conflict, room left) can provide at most %(capacity)s: %(proposals)s. "
                         "Invite more reviewers for them or raise those reviewers' maximum loads."),
    "reviewer_group_shortage": _l("These %(count)s reviewers have minimum loads adding up to %(min_total)s, but the "
                                  "proposals they may review can supply at most %(capacity)s: %(reviewers)s. Lower "
                                  "their minimum loads."),
    "infeasible": _l("No assignment satisfies the current conflicts, load limits and reviewers per proposal. Raise "
                     "maximum loads, lower minimum loads, or lower the reviewers per proposal."),
    # ---------------------------------------------------------------- ranking (排名)
    # ---------------------------------------------------------------- roadshow (路演)
    "roadshow_nothing_shortlisted": _l("Shortlist projects before drawing the order."),
    "roadshow_started_no_redraw": _l("The roadshow has started: the order can no longer be drawn again."),
    "roadshow_seed_length": _l("The seed must be 1 to 64 characters."),
    "roadshow_started_no_replace": _l("The roadshow has started: the shortlist can no longer be replaced."),
    "roadshow_not_shortlisted": _l("This project is not on the shortlist."),
    "roadshow_already_presented": _l("This project has already presented."),
    "roadshow_judges_not_reviewers": _l("Only active reviewers can sit on the judge panel."),
    "roadshow_not_drawn": _l("Draw the presentation order first."),
    "roadshow_top_n": _l("Enter how many projects to shortlist (1 to 500)."),
    "roadshow_choose_projects": _l("Choose projects from the list."),
    "roadshow_choose_judges": _l("Choose judges from the list."),
    "roadshow_moved_on": _l("The host has moved on to another project: your sheet was not saved. Score the "
                            "project now on stage."),
    # ---------------------------------------------------------------- allocation (資金分配)
    "award_reason_required": _l("An adjustment needs a reason."),
    "award_not_positive": _l("The approved amount must be greater than zero."),
    "award_over_requested": _l("The approved amount cannot exceed the requested amount (%(req)s)."),
    "award_over_cap": _l("The approved amount cannot exceed the cap per project (%(cap)s)."),
    "award_over_pool": _l("This amount exceeds what is left of the pool: %(left)s."),
    "award_over_quota": _l("This amount exceeds what is left of the category quota: %(left)s."),
    "award_not_fundable": _l("This project cannot be funded: %(why)s."),
    "award_not_ranked": _l("This project is not in the allocation: only ranked proposals can be funded."),
    # ---------------------------------------------------------------- publication (公示, 異議)
    "publication_exists": _l("This round already has a published list."),
    "publication_empty": _l("There are no awards to publish."),
    "render_not_needed": _l("The PDF is ready or still being prepared."),
    "final_nothing_published": _l("Nothing has been published for this round yet."),
    "final_already": _l("This list is already final."),
    "final_not_rendered": _l("The notice PDF is not ready yet."),
    "final_period_running": _l("The notice period has not ended yet: it runs until %(date)s."),
    "final_objections_open": _l("Objections still open or under investigation: %(count)s. Decide them first."),
    "objection_closed": _l("Objections are accepted only during the notice period, and no list is in its notice "
                           "period now."),
    "objection_project": _l("Choose a project from the published list."),
    "objection_final": _l("The award list is final: objections can no longer be changed."),
    "objection_duplicate": _l("This objection had already been received; it was not stored a second time."),
    "calendar_line_format": _l("Line %(line)s: “%(value)s” should be a date and a kind, e.g. “2026-10-01 holiday” "
                               "or “2026-10-10 workday”."),
    "calendar_date_format": _l("Line %(line)s: “%(value)s” is not a date in the form YYYY-MM-DD."),
    "calendar_date_invalid": _l("Line %(line)s: %(value)s is not a valid date."),
    "calendar_kind": _l("Line %(line)s: “%(value)s” should be “holiday” or “workday”."),
    "calendar_duplicate": _l("Line %(line)s: %(date)s is already listed on line %(earlier)s."),
    "calendar_workday_weekday": _l("Line %(line)s: %(date)s is a weekday; a makeup working day must be a Saturday "
                                   "or Sunday."),
    # ---------------------------------------------------------------- rounds (創投活動)
    "edition_taken": _l("A round with this edition number already exists."),
    "round_edit_conflict": _l("Someone else changed this round while you were editing. Your changes were not saved: "
                              "review the current values below and apply your changes again."),
    "official_language_locked": _l("The award list of this round has been published in %(language)s; its "
                                   "verification code depends on the printed words, so the language of the "
                                   "official documents can no longer change."),
    # ---------------------------------------------------------------- agreements (資助協議, 撥款, 預算調整)
    "schedule_percent": _l("Row %(row)s: “%(value)s” is not a percentage between 0 and 100 with at most 2 decimals."),
    "schedule_condition": _l("Row %(row)s: choose when the tranche is due."),
    "schedule_empty": _l("Enter at least one tranche."),
    "schedule_sum": _l("The tranches add up to %(percent)s%%; they must add up to exactly 100%%."),
    "signing_days_range": _l("Enter between 1 and 120 working days."),
    "threshold_range": _l("Enter a percentage between 0 and 100."),
    "agreements_not_final": _l("Agreements are issued once the award list is final."),
    "agreements_none_to_issue": _l("Every award of the final list already has an agreement."),
    "agreement_wrong_state": _l("This cannot be done in the agreement's current state."),
    "bank_account_invalid": _l("Enter the account number: 6 to 32 digits (spaces are ignored)."),
    "bank_details_missing": _l("Confirm the bank details first: they are part of the agreement."),
    "date_in_future": _l("The date cannot be in the future."),
    "date_before_issue": _l("The date cannot be before the agreement was issued (%(date)s)."),
    "tranche_choose": _l("Choose a tranche."),
    "tranche_not_due": _l("This tranche is not due yet: its condition has not been met."),
    "payments_stopped": _l("Payments under this agreement are stopped."),
    "payment_positive": _l("The amount must be greater than zero."),
    "payment_over_tranche": _l("At most %(left)s of this tranche is left to pay."),
    "refund_over_paid": _l("At most %(left)s can be demanded back: no more was paid."),
    "refund_over_demanded": _l("At most %(left)s of the refund demanded is still open."),
    "receipt_already_confirmed": _l("Receipt of this payment is already confirmed."),
    "budget_unknown_category": _l("Choose a budget category."),
    "budget_same_category": _l("Choose two different categories."),
    "budget_move_too_large": _l("The category holds only %(left)s."),
    "budget_over_award": _l("The budget would total %(total)s, more than the approved amount %(amount)s."),
    "budget_change_pending": _l("A budget change is already waiting for approval."),
    "budget_change_decided": _l("This budget change has already been decided."),
    # ---------------------------------------------------------------- organizations (取消資格, 禁入期)
    "barred": _l("Your organization is barred from applying until %(until)s (reason: %(reason)s). "
                 "Proposals cannot be started or submitted before then."),
    "barred_screening": _l("The organization is barred until %(until)s (reason: %(reason)s); its proposal cannot "
                           "pass the screening."),
    "sanction_end_before_start": _l("The bar must end on or after the day it starts."),
    "sanction_too_long": _l("A bar lasts at most %(years)s years."),
    "sanction_reason_long": _l("The reason is too long (at most %(max)s characters)."),
    "sanction_already_lifted": _l("This bar has already been lifted."),
    # ---------------------------------------------------------------- evaluation (中期評估, 結項評估)
    "deduction_not_a_number": _l("The deduction for “%(label)s” must be a number."),
    "deduction_out_of_range": _l("The deduction for “%(label)s” must be between %(min)s and %(max)s."),
    "deduction_off_step": _l("The deduction for “%(label)s” must be a multiple of %(step)s."),
    "rubric_deduction_cap_zero": _l("%(path)s: is 0, so the deduction items could never count."),
    "rubric_pass_mark_above_max": _l("%(path)s: the pass mark %(value)s is above the highest total %(max)s."),
    # ---------------------------------------------------------------- reports (中期報告, 結項報告)
    "report_kind_unknown": _l("There is no such report."),
    "report_agreement_not_signed": _l("Reports open once the agreement is signed by both sides."),
    "report_overdue": _l("The report was due by %(due)s and was not submitted: it is overdue, counts as a fail "
                         "and can no longer be submitted."),
    "report_not_editable": _l("This report can no longer be changed: it is submitted."),
    "report_not_submitted": _l("Only a submitted report can be accepted or returned."),
    "report_already_submitted": _l("The report is already submitted: it needs no extension."),
    "report_file_kind": _l("Choose the kind of evidence."),
    "report_audit_final_only": _l("The audit report belongs to the final report."),
    "report_too_many_files": _l("A report can have at most %(max)s files."),
    "report_files_too_large": _l("All files of a report together may be at most %(limit_mb)s MB. Remove a file or "
                                 "upload a smaller one."),
    "extension_too_late": _l("The due date (%(due)s) has passed: an extension can only be granted before it."),
    "extension_not_later": _l("The new due date must be after the current one (%(due)s)."),
    "due_date_passed": _l("This due date (%(due)s) has passed and can no longer be moved."),
    "due_date_in_past": _l("The date cannot be in the past."),
    "due_order": _l("The final report must be due after the mid-term report."),
    "report_not_overdue": _l("Only a report marked overdue and not yet submitted can be re-opened."),
    "reopen_evaluation_decided": _l("The evaluation of this report is already decided: the report can no longer "
                                    "be re-opened."),
    "activity_state": _l("Say whether this activity was carried out."),
    "activity_done_missing": _l("Describe what was done."),
    "count_invalid": _l("Enter a whole number, 0 or more."),
    "served_missing": _l("Enter the person-times served (at least one target group and district)."),
    "indicator_actual_missing": _l("Enter the actual value reached."),
    "spending_missing": _l("Enter the amount spent (0 if nothing)."),
    "settlement_missing": _l("Enter the settled amount (0 if nothing)."),
    "audit_report_missing": _l("Upload the audit report: the final report needs it."),
    "evaluation_kind": _l("Choose a mid-term or a final evaluation."),
    "evaluation_not_found": _l("There is no such evaluation or evaluator."),
    "evaluation_midterm_first": _l("The final evaluation starts after the mid-term evaluation has passed."),
    "evaluation_closed": _l("This evaluation has been decided: its panel and scores can no longer change."),
    "evaluation_not_evaluator": _l("Choose an active reviewer account as evaluator."),
    "evaluation_conflicted": _l("%(name)s has declared a conflict of interest with this organization."),
    "evaluation_already_on_panel": _l("%(name)s is already on this evaluation panel."),
    "evaluation_not_on_panel": _l("You are not on this project's evaluation panel."),
    "evaluation_sheet_submitted": _l("This evaluator has submitted a sheet and stays on the panel."),
    "evaluation_relation_required": _l("Please say what ties you to the organization."),
    "evaluation_method": _l("Choose how you evaluated: papers, phone or site visit."),
    "evaluation_visit_date": _l("Give the date of the phone call or site visit."),
    "evaluation_sheet_changed": _l("Your sheet was changed in another window. Check the stored version and save again."),
    "evaluation_no_sheets": _l("No evaluator has submitted a sheet yet."),
    "evaluation_refund_negative": _l("The refund cannot be negative."),
    "evaluation_notice_running": _l("The round's evaluation results are already in public notice. Make them final first."),
    "evaluation_nothing_decided": _l("No decided evaluation is waiting for the public notice."),
    "evaluation_not_noticed": _l("Only an evaluation in public notice can be reopened."),
    "evaluation_no_upheld_objection": _l("An evaluation is reopened only after an objection against it was upheld."),
    # ---------------------------------------------------------------- accounts and rounds
    "email_taken": _l("This email address already has an account."),
    "uscc_taken": _l("An organization with this code is already registered. Ask its contact person for an account."),
    "login_failed": _l("Email or password is incorrect."),
    "wrong_password": _l("The current password is incorrect."),
}

#: Params shown as money (¥1,234.00); every other Decimal is shown as a plain number.
MONEY_PARAMS = frozenset({"cap", "requested", "total", "sum", "matching", "left", "amount", "pool", "req"})
#: Params that are lists of attachment kinds, shown by their labels.
KIND_LIST_PARAMS = frozenset({"kinds"})
#: Params that are a proposal status code, shown by its label.
STATUS_PARAMS = frozenset({"status"})
#: Why a ranked project can never be funded (grants.rules.allocation), shown as a clause.
WHY_LABELS = {
    "vetoed": _l("a veto item disqualified it"),
    "ineligible": _l("it was not scored in every stage of the round"),
    "below_min_score": _l("its score is below the round's minimum score to fund"),
}


def _lang() -> str:
    return str(get_locale() or "zh_Hant")


def _join(items) -> str:
    return ("、" if _lang().startswith("zh") else ", ").join(items)


def format_param(name: str, value) -> str:
    """One placeholder's value as the reader sees it (language of the current request)."""
    from grants.platform import numbers
    from grants.platform.i18n import ATTACHMENT_KIND_LABELS
    from grants.platform.templating import local_dt

    if value is None:
        return "—"
    if hasattr(value, "zh_Hant") and hasattr(value, "get"):  # a LocalizedText (rubric labels)
        return value.get(_lang())
    if name in MONEY_PARAMS:
        return numbers.money(value)
    if name in STATUS_PARAMS:
        from grants.platform.i18n import PROPOSAL_STATUS_LABELS

        return str(PROPOSAL_STATUS_LABELS.get(value, value))
    if name == "why":
        return str(WHY_LABELS.get(value, value))
    if name in KIND_LIST_PARAMS:
        return _join(str(ATTACHMENT_KIND_LABELS.get(k, k)) for k in value)
    if isinstance(value, datetime):
        return local_dt(value)
    if isinstance(value, date):
        return format_date(value, "yyyy-MM-dd")
    if isinstance(value, Decimal):
        return format(value, "f")  # as given: a score of 7.5 or a share of 12.5 (not rounded to cents)
    if isinstance(value, (list, tuple, set, frozenset)):
        return _join(str(v) for v in value)
    return str(value)


def message(problem: Problem | Refusal) -> str:
    """The sentence for one problem (or a refusal's first problem), in the reader's language."""
    if isinstance(problem, Refusal):
        problem = problem.problems[0]
    template = MESSAGES[problem.code]
    params = {name: format_param(name, value) for name, value in problem.params.items()}
    text = str(template)
    return text % params if params else text.replace("%%", "%")


def messages(refusal: Refusal) -> list[str]:
    return [message(p) for p in refusal.problems]


def flash_refusal(refusal: Refusal, category: str = "error") -> None:
    for problem in refusal.problems:
        flash(message(problem), category)


def attach(form, refusal: Refusal, *, default_field: str | None = None) -> None:
    """Put each problem's message next to its field on ``form`` (``budget_lines-2-unit_price``
    style names reach into field lists); problems without a field on the form are flashed,
    or attached to ``default_field`` when given."""
    for problem in refusal.problems:
        target = _find_field(form, problem.field) or _find_field(form, default_field)
        if target is None:
            flash(message(problem), "error")
        else:
            target.errors = [*list(target.errors or ()), message(problem)]


def _find_field(form, name: str | None):
    if not name or form is None:
        return None
    field = form._fields.get(name) if hasattr(form, "_fields") else None
    if field is not None:
        return field
    for candidate in form:  # nested: field lists and form fields use "<name>-<index>-<sub>"
        if name.startswith(candidate.name + "-") and hasattr(candidate, "__iter__"):
            for entry in candidate:
                if entry.name == name:
                    return entry
                found = _find_field(getattr(entry, "form", None), name) if hasattr(entry, "form") else None
                if found is not None:
                    return found
    return None


def carry_out(form, action) -> bool:
    """The POST half of a form view: when ``form`` validates, run ``action()`` and commit; a ``Refusal``
    rolls back (a refused request changes no row) and puts its messages next to the fields. True when
    the action was done and committed: the view then says so and redirects; False: render the form again
    (status 400 on a POST)."""
    from grants.extensions import db

    if not form.validate_on_submit():
        return False
    try:
        action()
    except Refusal as exc:
        db.session.rollback()
        attach(form, exc)
        return False
    db.session.commit()
    return True


def commit_or_flash(action) -> bool:
    """The POST half of a button (a form without fields to put messages next to): run ``action()`` and
    commit; a ``Refusal`` rolls back (no row changed) and its messages are flashed. True when done: the
    view then says so."""
    from grants.extensions import db

    try:
        action()
    except Refusal as exc:
        db.session.rollback()
        flash_refusal(exc)
        return False
    db.session.commit()
    return True
