"""Which language a page's text is in, told from words only that language prints.

A page read by OCR in English is read again with its language's model (ocr.in_language)
only when this says so; English pages and pages in doubt get None. The words are the
label, heading and title vocabulary intake already knows (understand/vocabulary.py) and a
few everyday words of each language, matched on the text with accents removed (an English
model loses them); a word two languages share counts for neither.
"""

from __future__ import annotations

import re
from functools import cache

from intake.understand import vocabulary

# everyday words common on a report's page, found in no other of these languages nor English
EVERYDAY_WORDS: dict[str, list[str]] = {
    "en": [r"the", r"and", r"of", r"with", r"for", r"from", r"this", r"your", r"was", r"were",
           r"result", r"results", r"patient", r"date", r"name", r"report", r"page"],
    "hu": [r"[ée]s", r"az", r"egy", r"vagy", r"nem", r"szerint", r"eredm[ée]ny", r"vizsg[áa]lat",
           r"k[ée]r[ée]s", r"d[áa]tum", r"orvos", r"lelet", r"mint[áa]k?", r"megnevez[ée]s",
           r"oldal", r"beteg", r"k[óo]rh[áa]z"],
    "pt": [r"n[ãa]o", r"s[ãa]o", r"dos", r"das", r"pelo", r"pela", r"utente", r"colheita",
           r"an[áa]lises?", r"m[ée]dico", r"resultado", r"refer[êe]ncia", r"exame",
           r"servi[çc]o", r"senhora?", r"rua", r"pertencente", r"requisitado", r"boletim",
           r"impress[ãa]o", r"valida[çc][ãa]o", r"avalia[çc][ãa]o", r"inscri[çc][ãa]o"],
    "es": [r"del", r"los", r"las", r"fecha", r"resultado", r"referencia", r"m[ée]dico",
           r"an[áa]lisis", r"muestra", r"solicitud", r"prueba", r"servicio", r"solicitante",
           r"observaciones", r"p[áa]gina"],
    "de": [r"und", r"der", r"die", r"das", r"mit", r"nicht", r"von", r"f[üu]r", r"ist", r"datum",
           r"befund", r"ergebnis", r"untersuchung", r"arzt", r"seite", r"einsender", r"auftrag",
           r"normbereich", r"einheit"],
    "fr": [r"le", r"les", r"des", r"du", r"et", r"pour", r"avec", r"est", r"r[ée]sultats?",
           r"m[ée]decin", r"examen", r"valeurs", r"pr[ée]l[èe]vement", r"demande",
           r"prescripteur", r"ant[ée]riorit[ée]s?", r"laboratoire"],
    "it": [r"il", r"della", r"delle", r"di", r"per", r"che", r"gli", r"risultati?", r"esame",
           r"medico", r"valori", r"prelievo", r"richiesta", r"accettazione", r"unit[àa]",
           r"referto"],
}  # fmt: skip
# English words another language's entry may match ('Patient', 'Name'): such an entry is
# dropped, so an English page never counts for another language
ENGLISH_WORDS = """the patient patients name date report result results medication medications
therapy diagnosis conclusion impression plan recommendations referral prescription
anamnesis status procedure alter"""
MIN_WORDS = 4  # distinct words of a language that make a page clearly in it
MARGIN = 2.0  # ...and at least this many times more than any other language (English too)


@cache
def _patterns() -> dict[str, list[re.Pattern[str]]]:
    """Each language's words as patterns; an entry listed for two languages is dropped."""
    tables = [
        *(part for kind in vocabulary.KIND_WORDS.values() for part in kind.values()),
        vocabulary.PATIENT_NAME_LABELS,
        vocabulary.NAME_FOLLOWING_LABELS,
        vocabulary.BIRTH_DATE_LABELS,
        vocabulary.MEDICATION_HEADINGS,
        vocabulary.ASSESSMENT_HEADINGS,
        vocabulary.PLAN_HEADINGS,
        vocabulary.OTHER_SECTION_HEADINGS,
        vocabulary.DIRECTION_WORDS,
        EVERYDAY_WORDS,
    ]
    entries: dict[str, set[str]] = {}
    for table in tables:
        for language, words in table.items():
            for word in words:
                entries.setdefault(vocabulary.fold(word).lower(), set()).add(language)
    patterns: dict[str, list[re.Pattern[str]]] = {}
    for word, languages in entries.items():
        pattern = re.compile(rf"(?<!\w)(?:{word})(?!\w)")
        (language, *more) = languages
        if not more and (language == "en" or not pattern.search(ENGLISH_WORDS)):
            patterns.setdefault(language, []).append(pattern)
    return patterns


def page_language(text: str) -> str | None:
    """The language code ('hu', 'pt', 'es', 'de', 'fr', 'it') `text` is clearly written
    in, or None: English, too little text, or a mix."""
    folded = vocabulary.fold(text).lower()
    counts = {
        language: sum(bool(pattern.search(folded)) for pattern in patterns)
        for language, patterns in _patterns().items()
    }
    best = max((language for language in counts if language != "en"), key=counts.get)
    others = max(count for language, count in counts.items() if language != best)
    if counts[best] >= MIN_WORDS and counts[best] >= MARGIN * others:
        return best
    return None
