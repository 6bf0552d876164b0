RULES = {
    "public.home": "all",
    "auth.login": "all",
    "auth.register": "all",
    "auth.set_password": "token",
    "auth.change_password": {"applicant", "reviewer", "admin"},
    "applicant.dashboard": {"applicant"},
    "reviewer.dashboard": {"reviewer"},
    "admin.dashboard": {"admin"},
    "admin.rounds": {"admin"},
    "admin.round_new": {"admin"},
    "admin.round_edit": {"admin"},
    "admin.round_detail": {"admin"},
    "admin.organizations": {"admin"},
    "admin.reviewers": {"admin"},
    "admin.reviewer_new": {"admin"},
}
POST_ONLY = {"auth.logout", "public.set_language"}
