"""Word lists for the synthetic demo provider: names by heritage, notes, goals, group titles.

Kept apart from the generator (`demo.provider`) so it reads as logic, not lists. Every name
here is a common given name or surname; combinations are random and belong to nobody.
"""

from __future__ import annotations

from types import MappingProxyType

# (first names, last names) by broad heritage; the generator picks a heritage from her
# ethnicity most of the time, so names and monitoring data look believable together.
NAME_POOLS = MappingProxyType(
    {
        "british": (
            (
                "Chloe", "Emma", "Sophie", "Jessica", "Lauren", "Hannah", "Charlotte", "Amy",
                "Rebecca", "Laura", "Kelly", "Stacey", "Leanne", "Gemma", "Danielle", "Jade",
                "Kirsty", "Natasha", "Samantha", "Sarah", "Michelle", "Lisa", "Tracey", "Donna",
                "Karen", "Joanne", "Claire", "Nicola", "Megan", "Bethan", "Rhiannon", "Eilidh",
                "Kayleigh", "Demi", "Courtney", "Zoë", "Chloé", "Renée", "Tia", "Paige",
                "Shannon", "Carly", "Elizabeth", "Margaret",
            ),
            (
                "Smith", "Jones", "Williams", "Brown", "Taylor", "Davies", "Evans", "Wilson",
                "Thomas", "Johnson", "Roberts", "Walker", "Wright", "Robinson", "Thompson",
                "White", "Hughes", "Edwards", "Green", "Hall", "Wood", "Harris", "Clarke",
                "Jackson", "Turner", "Hill", "Moore", "Cooper", "Ward", "King", "Baker",
                "Carter", "Mitchell", "Parker", "Collins", "Lloyd", "Price",
            ),
        ),
        "irish": (
            (
                "Siobhán", "Niamh", "Aoife", "Bridget", "Mary", "Kathleen", "Sinéad", "Róisín",
                "Caoimhe", "Bernadette", "Margaret", "Theresa",
            ),
            (
                "Murphy", "O'Brien", "O'Connor", "Kelly", "Byrne", "Walsh", "McCarthy", "Doyle",
                "O'Sullivan", "Gallagher", "McDonagh", "Ward", "Connors", "Quinn",
            ),
        ),
        "south_asian_muslim": (
            (
                "Amina", "Aisha", "Fatima", "Zainab", "Khadija", "Mariam", "Nadia", "Yasmin",
                "Samira", "Ruksana", "Shanaz", "Farhana", "Tahmina", "Sadia", "Rehana", "Shabana",
            ),
            (
                "Begum", "Khatun", "Akhtar", "Bibi", "Khan", "Ahmed", "Hussain", "Ali", "Rahman",
                "Islam", "Uddin", "Chowdhury", "Miah", "Iqbal", "Mahmood",
            ),
        ),
        "indian": (
            (
                "Priya", "Anjali", "Sunita", "Kiran", "Deepa", "Nisha", "Pooja", "Harpreet",
                "Jaspreet", "Meena", "Rani",
            ),
            (
                "Patel", "Shah", "Sharma", "Singh", "Kaur", "Gill", "Sandhu", "Kumar", "Mistry",
                "Parmar", "Chauhan",
            ),
        ),
        "west_african": (
            (
                "Precious", "Blessing", "Chidinma", "Ngozi", "Adaeze", "Folake", "Funmilayo",
                "Abimbola", "Ama", "Akosua", "Abena", "Efua", "Temitope", "Yetunde", "Comfort",
            ),
            (
                "Okafor", "Okonkwo", "Adeyemi", "Adebayo", "Mensah", "Asante", "Boateng", "Owusu",
                "Nwosu", "Eze", "Oduya", "Balogun", "Danso",
            ),
        ),
        "caribbean": (
            (
                "Shantelle", "Tanisha", "Keisha", "Marcia", "Sonia", "Paulette", "Janet",
                "Beverley", "Andrea", "Yolanda", "Jacqueline", "Simone", "Chantelle",
            ),
            (
                "Campbell", "Francis", "Grant", "Stewart", "Morgan", "Bailey", "Reid", "Henry",
                "Brown-Lewis", "Williams-Grant", "Gordon", "Richards", "Clarke",
            ),
        ),
        "east_european": (
            (
                "Agnieszka", "Katarzyna", "Magdalena", "Joanna", "Ewa", "Ana", "Ioana", "Elena",
                "Maria", "Andreea", "Roxana", "Daniela", "Łucja",
            ),
            (
                "Kowalska", "Nowak", "Wiśniewska", "Wójcik", "Popescu", "Ionescu", "Dumitrescu",
                "Stan", "Horvat", "Kovács", "Petrova",
            ),
        ),
        "chinese": (
            ("Mei", "Li", "Xin", "Hui", "Ying", "Jing", "Wen"),
            ("Chen", "Wang", "Li", "Zhang", "Liu", "Wong", "Lam"),
        ),
        "south_east_asian": (
            ("Thi", "Lan", "Hoa", "Linh", "Maricel", "Rowena"),
            ("Nguyen", "Tran", "Pham", "Le", "Santos", "Reyes"),
        ),
        "somali": (
            ("Hodan", "Ayan", "Sahra", "Fadumo", "Nasra", "Hawa", "Amal"),
            ("Mohamed", "Abdi", "Hassan", "Warsame", "Farah", "Osman", "Ismail"),
        ),
        "arab": (
            ("Layla", "Noor", "Rania", "Huda", "Mariam", "Salma"),
            ("Al-Sayed", "Haddad", "Mansour", "Nasser", "Karim", "Saleh"),
        ),
        "mediterranean_latin": (
            (
                "Ayşe", "Elif", "Zeynep", "Emine", "Rosa", "Lucía", "Gabriela", "Fernanda",
                "Despina", "Eleni",
            ),
            (
                "Yılmaz", "Demir", "Kaya", "Şahin", "Silva", "Santos", "García", "Fernández",
                "Da Costa", "Papadopoulos", "Georgiou",
            ),
        ),
    }
)  # fmt: skip

# Which name pools fit an ethnicity group (the first is the most likely).
HERITAGE = MappingProxyType(
    {
        "white_british": ("british",),
        "white_irish": ("irish",),
        "white_gypsy_traveller": ("irish",),
        "white_roma": ("east_european",),
        "white_other": ("east_european", "mediterranean_latin"),
        "mixed_white_black_caribbean": ("caribbean", "british"),
        "mixed_white_black_african": ("west_african", "british"),
        "mixed_white_asian": ("british", "south_asian_muslim", "indian"),
        "mixed_other": ("british", "mediterranean_latin"),
        "asian_indian": ("indian",),
        "asian_pakistani": ("south_asian_muslim",),
        "asian_bangladeshi": ("south_asian_muslim",),
        "asian_chinese": ("chinese",),
        "asian_other": ("south_east_asian",),
        "black_caribbean": ("caribbean",),
        "black_african": ("west_african", "somali"),
        "black_other": ("somali", "caribbean"),
        "other_arab": ("arab",),
        "other_any": ("mediterranean_latin",),
        "prefer_not_to_say": tuple(NAME_POOLS),
    }
)

NICKNAMES = MappingProxyType(
    {
        "Natasha": "Tash", "Samantha": "Sam", "Rebecca": "Becky", "Jacqueline": "Jackie",
        "Katarzyna": "Kasia", "Magdalena": "Magda", "Funmilayo": "Funmi", "Abimbola": "Bola",
        "Chidinma": "Chi", "Margaret": "Maggie", "Bernadette": "Bernie", "Daniela": "Dani",
        "Kathleen": "Kath", "Nicola": "Nicky", "Jessica": "Jess", "Charlotte": "Charlie",
        "Temitope": "Tope", "Gabriela": "Gabi", "Elizabeth": "Liz", "Theresa": "Tess",
    }
)  # fmt: skip

SAFE_CONTACT_NOTES = (
    "Text only; do not leave voicemail.",
    "Call after 2pm on weekdays; her partner is at home in the mornings.",
    "Do not call; contact through her probation practitioner.",
    "Safe to call. If someone else answers, say you are calling from the GP surgery.",
    "Contact only at the centre or by text from the centre's phone.",
)

CONTACT_NOTES = MappingProxyType(
    {
        "ACC": (
            "Went through housing options; booked a housing advice appointment.",
            "Supported with a homelessness application to the council.",
            "Called the landlord together about the repairs.",
        ),
        "ETE": (
            "Looked at college courses starting in September.",
            "Worked on her CV and a volunteering application.",
        ),
        "FIN": (
            "Helped with the Universal Credit journal and a budget plan.",
            "Referred to the debt advice service; gathered her letters.",
            "Applied for a hardship grant and food bank voucher.",
        ),
        "MH": (
            "Talked through her week; low mood, agreed to speak to her GP.",
            "Supported a self-referral to talking therapies.",
        ),
        "PH": (
            "Booked a GP appointment and a dental check.",
            "Went with her to the sexual health clinic.",
        ),
        "SM": (
            "Discussed alcohol use; agreed to attend the recovery service.",
            "Three-way meeting with her drug worker.",
        ),
        "PAR": (
            "Prepared for the child protection conference.",
            "Talked about routines with the children; parenting group next week.",
        ),
        "DA": (
            "Safety planning; checked the IDVA referral.",
            "Updated the risk assessment with her; MARAC referral discussed.",
        ),
        "SW": ("Outreach with the specialist service; harm reduction information.",),
        "ATB": (
            "Worked on the consequences exercise from her order.",
            "Reflected on the week and what helped her stay calm.",
        ),
    }
)  # fmt: skip

MISSED_NOTES = (
    "Did not attend; sent a text to rebook.",
    "No answer; left a message at the agreed number.",
    "She cancelled: childcare fell through. Rebooked.",
    "",
)

GOALS = MappingProxyType(
    {
        "ACC": ("Move into settled accommodation", "Keep up with rent and avoid arrears"),
        "ETE": ("Start a course or volunteering", "Apply for three jobs"),
        "FIN": ("Set up a budget and clear priority debts", "Get the benefits she is owed"),
        "MH": ("Register with a GP and start talking therapy", "Feel able to manage low days"),
        "PH": ("Register with a dentist", "Attend health appointments"),
        "SM": ("Engage with the recovery service", "Reduce drinking to agreed limits"),
        "PAR": ("Complete the parenting course", "Keep to the contact arrangements"),
        "DA": ("A safety plan she can use", "Engage with the IDVA service"),
        "SW": ("Regular contact with the specialist outreach service",),
        "ATB": ("Complete the order without breach", "Use the calming plan at difficult times"),
    }
)

GROUP_TITLES = (
    "Wellbeing circle",
    "Freedom Programme",
    "Money matters",
    "Creative writing",
    "Healthy minds",
    "Parenting together",
)

ACTIVITY_DESCRIPTIONS = MappingProxyType(
    {
        "judiciary_training": (
            "Magistrates' awareness session: women in the criminal justice system",
            "District judges' briefing: trauma-informed sentencing options",
            "Bench training: what a women's centre order requirement offers",
        ),
        "professional_training": (
            "Probation practitioners: referral pathways",
            "Police custody staff: the adult women's diversion scheme",
            "Housing officers: supporting women leaving prison",
        ),
        "peer_mentor_training": ("Peer mentor course",),
    }
)

BCU = MappingProxyType(
    {
        "E09000012": "Central East",
        "E09000030": "Central East",
        "E09000022": "Central South",
        "E09000028": "Central South",
        "E09000008": "South Area",
        "E09000029": "South Area",
        "E09000009": "West Area",
        "E09000018": "West Area",
    }
)
