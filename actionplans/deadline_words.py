"""The words people use for deadlines in English, French and Arabic, as the parser reads them.

Every word is written here as ``normalise()`` makes it: lower case, no accents or Arabic
diacritics, alef forms unified (أ إ آ → ا), ى → ي, ة → ه, and Arabic-Indic digits as 0-9. The
Arabic article ال is taken off a word before it is looked up, so "الأول" is found as "اول".
"""

from __future__ import annotations

import unicodedata

# Months: English, French (with and without accents, the usual abbreviations), and Arabic with
# both the Levantine names (كانون الثاني … كانون الأول) and the Egyptian/Gulf ones (يناير …).
MONTHS = {
    # English
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
    # French
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4,
    "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9,
    "octobre": 10, "novembre": 11, "decembre": 12,
    # Arabic, Egyptian and Gulf names
    "يناير": 1, "فبراير": 2, "مارس": 3, "ابريل": 4, "مايو": 5, "يونيو": 6, "يونيه": 6,
    "يوليو": 7, "يوليه": 7, "اغسطس": 8, "سبتمبر": 9, "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    # Arabic, Levantine names of one word
    "شباط": 2, "اذار": 3, "نيسان": 4, "ايار": 5, "حزيران": 6, "تموز": 7, "اب": 8, "ايلول": 9,
}  # fmt: skip
# Levantine names of two words: كانون الثاني (January), تشرين الأول (October)...
TWO_WORD_MONTHS = {
    ("كانون", "ثاني"): 1,
    ("تشرين", "اول"): 10,
    ("تشرين", "ثاني"): 11,
    ("كانون", "اول"): 12,
}

ORDINALS = {
    "1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3, "4th": 4, "fourth": 4,
    "1er": 1, "1ere": 1, "premier": 1, "premiere": 1, "2e": 2, "2eme": 2, "2nde": 2,
    "deuxieme": 2, "seconde": 2, "3e": 3, "3eme": 3, "troisieme": 3, "4e": 4, "4eme": 4,
    "quatrieme": 4, "fifth": 5, "cinquieme": 5,
    "اول": 1, "اولي": 1, "ثاني": 2, "ثانيه": 2, "ثالث": 3, "ثالثه": 3, "رابع": 4, "رابعه": 4,
    "خامس": 5, "خامسه": 5,
}  # fmt: skip
QUARTER_WORDS = {"quarter", "trimestre", "ربع"}
HALF_WORDS = {"half", "semestre", "نصف"}
# Letters before a number that name a period: Q1/T1 (trimestre), H1/S1 (semestre).
QUARTER_LETTERS = {"q", "t"}
HALF_LETTERS = {"h", "s"}

END, MID, EARLY = "end", "mid", "early"
MODIFIERS = {
    # The end of the period: the due date is its last day, as with no word at all.
    "end": END, "late": END, "by": END, "until": END, "fin": END,
    "نهايه": END, "اخر": END, "اواخر": END, "بحلول": END, "حتي": END,
    # Its middle: mid-2019 is due at the end of June, mid-March on the 15th.
    "mid": MID, "middle": MID, "mi": MID, "milieu": MID, "منتصف": MID, "اواسط": MID,
    # Its beginning: early 2019 is due at the end of March, early March on the 10th.
    "early": EARLY, "beginning": EARLY, "start": EARLY, "debut": EARLY,
    "بدايه": EARLY, "اوايل": EARLY, "مطلع": EARLY,
}  # fmt: skip
# Words that carry no meaning for the date ("Q1 of 2019", "fin de l'année 2019", "عام 2019").
FILLERS = {
    "of", "the", "in", "year", "de", "du", "d", "ici", "l", "la", "le", "en", "annee",
    "courant",
    "من", "في", "عام", "سنه", "شهر", "لعام", "لسنه",
}  # fmt: skip

ONGOING = {
    "ongoing", "on going", "continuous", "continuing", "permanent",
    "en cours", "continu", "continue", "en continu",
    "مستمر", "مستمره", "جاري", "جار", "دايم", "قيد التنفيذ",
}  # fmt: skip

# Every word the parser knows, for suggesting the nearest one to a word it does not.
VOCABULARY = sorted(
    set(MONTHS)
    | {word for pair in TWO_WORD_MONTHS for word in pair}
    | set(ORDINALS)
    | QUARTER_WORDS
    | HALF_WORDS
    | set(MODIFIERS)
    | {"ongoing"}
)

_DIGITS = {
    code: str(unicodedata.decimal(chr(code)))
    for start in (0x0660, 0x06F0)  # Arabic-Indic and Eastern Arabic-Indic (Persian, Urdu)
    for code in range(start, start + 10)
}


def normalise(text: str) -> str:
    """Lower case, Western digits, no accents or diacritics, single spaces."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_DIGITS)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    text = text.replace("\u0640", "").replace("ى", "ي").replace("ة", "ه")  # tatweel, ya, ta
    text = text.replace("’", " ").replace("'", " ")  # d'ici, l'année: two words
    return " ".join(text.split())


def word(token: str) -> str:
    """A token as the vocabulary lists it: an Arabic word without its article."""
    if token.startswith("ال") and len(token) > 3:
        return token[2:]
    if token.startswith("لل") and len(token) > 4:  # للربع: "for the quarter"
        return token[2:]
    return token
