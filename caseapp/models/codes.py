"""Code lists from the domain: stored codes, shown labels (docs/domain.md, Code lists)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


def _codes(*pairs: tuple[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(pairs))


ROLES = _codes(
    ("keyworker", "Keyworker"),
    ("manager", "Manager"),
    ("admin", "Administrator"),
)

NEED_AREAS = _codes(
    ("ACC", "Accommodation and tenancy sustainment"),
    ("ETE", "Employability, education and training"),
    ("FIN", "Financial management, benefits and debt"),
    ("MH", "Mental health"),
    ("PH", "Physical health and well-being"),
    ("SM", "Substance misuse"),
    ("PAR", "Parenting and children"),
    ("DA", "Domestic abuse and violence"),
    ("SW", "Sex work and sexual exploitation"),
    ("ATB", "Thinking and behaviour"),
)

NEED_PATHWAYS = _codes(
    ("ACC", "Accommodation"),
    ("ETE", "Education, training and employment"),
    ("FIN", "Finance, benefit and debt"),
    ("MH", "Health"),
    ("PH", "Health"),
    ("SM", "Drugs and alcohol"),
    ("PAR", "Children and families"),
    ("DA", "Women's pathway: abuse, rape, domestic violence"),
    ("SW", "Women's pathway: prostitution"),
    ("ATB", "Attitudes, thinking and behaviour"),
)

REFERRAL_SOURCES = _codes(
    ("probation", "Probation practitioner"),
    ("court", "Court"),
    ("liaison_diversion", "NHS liaison and diversion"),
    ("police_diversion", "Police: adult women's diversion"),
    ("police_oocd", "Police: out-of-court disposal condition"),
    ("prison", "Prison (pre-release / through the gate)"),
    ("self", "Self-referral"),
    ("voluntary_org", "Voluntary organisation"),
    ("social_care", "Social care"),
    ("health", "Health"),
    ("housing", "Housing"),
    ("dwp", "DWP"),
    ("other", "Other"),
    ("unknown", "Unknown"),
)

CJ_STATUSES = _codes(
    ("community_order", "Community order"),
    ("suspended_sentence", "Suspended sentence"),
    ("licence", "Licence"),
    ("post_sentence_supervision", "Post-sentence supervision"),
    ("pre_sentence", "Pre-sentence"),
    ("out_of_court_disposal", "Out-of-court disposal"),
    ("diversion", "Diversion"),
    ("remand", "Remand"),
    ("none", "None"),
    ("unknown", "Unknown"),
)

ENGAGEMENT_TYPES = _codes(
    ("one_to_one", "1-2-1 keywork"),
    ("drop_in", "Drop-in"),
    ("phone", "Phone call"),
    ("video", "Video call"),
    ("advocacy", "Advocacy"),
    ("court_support", "Court support"),
    ("outreach", "Outreach"),
    ("peer_mentoring", "Peer mentoring"),
)

# Types that happen at a women's centre or hub when delivered in person.
CENTRE_ENGAGEMENT_TYPES = frozenset({"one_to_one", "drop_in", "peer_mentoring"})

ATTENDANCE = _codes(
    ("attended", "Attended"),
    ("late", "Late"),
    ("did_not_attend", "Did not attend"),
    ("cancelled_by_woman", "Cancelled by her"),
    ("cancelled_by_service", "Cancelled by us"),
)

# `late` counts as attended everywhere in the return.
ATTENDED = frozenset({"attended", "late"})

REGISTER_ATTENDANCE = _codes(
    ("attended", "Attended"),
    ("late", "Late"),
    ("did_not_attend", "Did not attend"),
)

DELIVERY_MODES = _codes(
    ("in_person", "In person"),
    ("phone", "Phone"),
    ("video", "Video"),
)

CLOSURE_REASONS = _codes(
    ("goals_met", "Goals met (planned exit)"),
    ("chose_to_end", "She chose to end"),
    ("not_engaged", "Not engaged"),
    ("moved_away", "Moved away"),
    ("transferred", "Transferred"),
    ("needs_met_elsewhere", "Needs met elsewhere"),
    ("returned_to_custody", "Returned to custody"),
    ("ineligible", "Ineligible"),
    ("duplicate", "Duplicate record"),
    ("died", "Died"),
    ("other", "Other"),
)

FLAG_TYPES = _codes(
    ("marac", "MARAC"),
    ("child_safeguarding", "Child safeguarding"),
    ("self_harm", "Self-harm"),
    ("risk_to_staff", "Risk to staff"),
    ("safe_contact_only", "Safe contact only"),
    ("pregnancy", "Pregnancy"),
    ("interpreter_needed", "Interpreter needed"),
    ("no_recourse_public_funds", "No recourse to public funds"),
)

# Short badges shown beside a name wherever she appears.
FLAG_BADGES = _codes(
    ("marac", "MARAC"),
    ("child_safeguarding", "CSG"),
    ("self_harm", "SH"),
    ("risk_to_staff", "RTS"),
    ("safe_contact_only", "SAFE"),
    ("pregnancy", "PREG"),
    ("interpreter_needed", "INT"),
    ("no_recourse_public_funds", "NRPF"),
)

ETHNICITIES = _codes(
    ("white_british", "White: English, Welsh, Scottish, Northern Irish or British"),
    ("white_irish", "White: Irish"),
    ("white_gypsy_traveller", "White: Gypsy or Irish Traveller"),
    ("white_roma", "White: Roma"),
    ("white_other", "White: Other"),
    ("mixed_white_black_caribbean", "Mixed: White and Black Caribbean"),
    ("mixed_white_black_african", "Mixed: White and Black African"),
    ("mixed_white_asian", "Mixed: White and Asian"),
    ("mixed_other", "Mixed: Other"),
    ("asian_indian", "Asian: Indian"),
    ("asian_pakistani", "Asian: Pakistani"),
    ("asian_bangladeshi", "Asian: Bangladeshi"),
    ("asian_chinese", "Asian: Chinese"),
    ("asian_other", "Asian: Other"),
    ("black_caribbean", "Black: Caribbean"),
    ("black_african", "Black: African"),
    ("black_other", "Black: Other"),
    ("other_arab", "Other: Arab"),
    ("other_any", "Other: Any other ethnic group"),
    ("prefer_not_to_say", "Prefer not to say"),
)

YES_NO_DECLINED = _codes(
    ("yes", "Yes"),
    ("no", "No"),
    ("prefer_not_to_say", "Prefer not to say"),
)

YES_NO = _codes(("yes", "Yes"), ("no", "No"))

SEXUAL_ORIENTATIONS = _codes(
    ("heterosexual", "Heterosexual or straight"),
    ("gay_lesbian", "Gay or lesbian"),
    ("bisexual", "Bisexual"),
    ("other", "Other"),
    ("prefer_not_to_say", "Prefer not to say"),
)

RELIGIONS = _codes(
    ("none", "No religion"),
    ("christian", "Christian"),
    ("buddhist", "Buddhist"),
    ("hindu", "Hindu"),
    ("jewish", "Jewish"),
    ("muslim", "Muslim"),
    ("sikh", "Sikh"),
    ("other", "Other"),
    ("prefer_not_to_say", "Prefer not to say"),
)

NATIONALITIES = _codes(
    ("uk", "UK national"),
    ("foreign", "Foreign national"),
    ("prefer_not_to_say", "Prefer not to say"),
)

AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")

ASSESSMENT_KINDS = _codes(
    ("baseline", "Baseline"),
    ("review", "Review"),
    ("exit", "Exit"),
)

NEED_LEVELS = _codes(
    ("none", "None"),
    ("low", "Low"),
    ("medium", "Medium"),
    ("high", "High"),
)

GOAL_STATUSES = _codes(
    ("open", "Open"),
    ("achieved", "Achieved"),
    ("partly_achieved", "Partly achieved"),
    ("not_achieved", "Not achieved"),
)

OUTCOME_QUESTIONS = _codes(
    ("felt_safe", "I feel safer from violence and abuse"),
    ("health_wellbeing", "My health and well-being"),
    ("financial_management", "I can manage my money"),
    ("parenting", "My parenting skills"),
)

GROUP_STATUSES = _codes(("held", "Held"), ("cancelled", "Cancelled"))

ACTIVITY_TYPES = _codes(
    ("judiciary_training", "Training for the judiciary"),
    ("professional_training", "Training for professionals"),
    ("peer_mentor_training", "Peer-mentor training"),
)

WOMAN_STATUSES = _codes(
    ("referred", "Referred"),
    ("active", "Active"),
    ("closed", "Closed"),
)

CONSENT_SCOPES = _codes(
    ("service", "Support from the service"),
    ("data_processing", "Processing her data"),
    ("sharing", "Sharing with named agencies"),
)

# GSS code, name, aliases accepted on import.
BOROUGHS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("E09000001", "City of London", ("City",)),
    ("E09000002", "Barking and Dagenham", ("Barking", "Dagenham")),
    ("E09000003", "Barnet", ()),
    ("E09000004", "Bexley", ()),
    ("E09000005", "Brent", ()),
    ("E09000006", "Bromley", ()),
    ("E09000007", "Camden", ()),
    ("E09000008", "Croydon", ()),
    ("E09000009", "Ealing", ()),
    ("E09000010", "Enfield", ()),
    ("E09000011", "Greenwich", ("Royal Greenwich",)),
    ("E09000012", "Hackney", ()),
    ("E09000013", "Hammersmith and Fulham", ("Hammersmith", "Fulham")),
    ("E09000014", "Haringey", ()),
    ("E09000015", "Harrow", ()),
    ("E09000016", "Havering", ()),
    ("E09000017", "Hillingdon", ()),
    ("E09000018", "Hounslow", ()),
    ("E09000019", "Islington", ()),
    ("E09000020", "Kensington and Chelsea", ("Kensington", "Chelsea")),
    ("E09000021", "Kingston upon Thames", ("Kingston",)),
    ("E09000022", "Lambeth", ()),
    ("E09000023", "Lewisham", ()),
    ("E09000024", "Merton", ()),
    ("E09000025", "Newham", ()),
    ("E09000026", "Redbridge", ()),
    ("E09000027", "Richmond upon Thames", ("Richmond",)),
    ("E09000028", "Southwark", ()),
    ("E09000029", "Sutton", ()),
    ("E09000030", "Tower Hamlets", ()),
    ("E09000031", "Waltham Forest", ()),
    ("E09000032", "Wandsworth", ()),
    ("E09000033", "Westminster", ("City of Westminster",)),
)

BOROUGH_NAMES = _codes(*((code, name) for code, name, _ in BOROUGHS))


def label(codes: Mapping[str, str], code: str | None) -> str:
    """Return the label for a code, or the code itself when it is not in the list."""
    if code is None or code == "":
        return "Not recorded"
    return codes.get(code, code)
