"""Patient names and birth dates, read leniently and compared leniently."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import cache

from intake.model import Person
from intake.understand.analyte_words import WORDS as ANALYTE_WORDS
from intake.understand.dates import BIRTH_LABEL, birth_date
from intake.understand.vocabulary import (
    LOOSE_NAME_LABELS,
    NAME_FOLLOWING_LABELS,
    NOT_NAME_WORDS,
    PATIENT_NAME_LABELS,
    alternation,
    fold,
)

# labels a report prints before (or above) its patient's name: English here, the other
# languages real reports use from vocabulary.py
_PATIENT_LABEL = (
    r"patient(?:'s)?\s+(?:full\s+|last\s+|family\s+)?name|patient\s+surname|name\s+of\s+patient"
    r"|pt\.?\s+name|" + alternation(PATIENT_NAME_LABELS)
)
_LOOSE_LABEL = alternation(LOOSE_NAME_LABELS)  # patient only when nothing qualifies it
NAME_LABEL = re.compile(
    rf"(?<![\w:])(?P<label>{_PATIENT_LABEL}|{_LOOSE_LABEL})(?:\s*[:#]\s*|\s{{2,}}|\t|\s*$)",
    re.IGNORECASE,
)
_EXPLICIT = re.compile(rf"(?:{_PATIENT_LABEL})$", re.IGNORECASE)
_FIELD_SPLIT = re.compile(r"\s{2,}|\t|\s*\|\s*")
# a title line naming its person: "Blood Test Report - Akshay Jadhav"
TITLE_NAME = re.compile(
    r"^\s*[A-Za-z][A-Za-z ]{2,60}\b(?:report|results?|summary|record)\s*[-–—:|]\s*"
    r"(?P<name>[A-Z][A-Za-z'.-]+(?:\s+[A-Z][A-Za-z'.-]+){1,3})\s*$",
    re.IGNORECASE,
)
HONORIFIC = re.compile(
    r"^(?:mr|mrs|ms|miss|mx|master|baby|smt|shri|sri|kum|kumari|mast|m/s|sr|sra|srta|herr|frau"
    r"|mme|mlle|m|exmo|exma|ilmo|ilma|ex\.m[oa]|il\.m[oa]|senhor|senhora|se[ñn]or|se[ñn]ora|dona"
    r"|do[ñn]a)\.?(?:\(a\)\.?|/sra\.?)?\s+",
    re.IGNORECASE,
)
_STOP = re.compile(
    r"\s{2,}|\t|\||\b(?:D\.?O\.?B\.?|DOB|date\s+of\s+birth|birth\s*date|MRN|sex|gender|age|acct|"
    r"account|ID|phone|accession|collected|ordered|DN|sexo|idade|edad|data|fecha|geb\.?)\b"
    rf"|(?<!\w)(?:{alternation(NAME_FOLLOWING_LABELS)})(?!\w)",
    re.IGNORECASE,
)
_NAME_TOKEN = re.compile(r"^[A-Za-zÀ-ÿĀ-ž][A-Za-zÀ-ÿĀ-ž'.-]*,?$")
_NOT_NAMES = {"unknown", "none", "n/a", "name", "patient", "information", "report", "date"}


def _vocabulary(words: str) -> frozenset[str]:
    return frozenset(words.split())


# words no patient's name holds, so a column's other label, a doctor's line or a lab's name
# is never read as the patient: the words of labels, of roles, of institutions
_LABEL_WORDS = _vocabulary(
    """number no nº id address phone telephone telefone fax email sex sexo gender
    age idade edad birth dob specimen account control route ssn mrn accession collected
    reported ordered entered volume fasting date data fecha nome nombre name patient
    vital signs results medications allergies problems immunizations procedures encounters
    assessment instructions diagnosis diagnoses discharge admission impression findings"""
    # (a record's section titles: 'VITAL SIGNS' below a label)
)
_ROLE_WORDS = _vocabulary(
    """physician physicians doctor dr dra drs md médico medico médica medica
    requisitante solicitante requesting referring ordering attending provider prescriber
    author nurse technologist pathologist radiologist director dir arzt ärztin einsender
    signed signature witness agent guarantor insured subscriber insurance contact emergency
    spouse mother father parent guardian employer beküldő orvos kezelőorvos beutaló"""
)
_ORG_WORDS = _vocabulary(
    """ordem irmandade misericórdia misericordia associação associacao asociación
    asociacion fundação fundacao fundación fundacion instituto sociedade sociedad mutua
    policlínica policlinica sanatorio lda ltda gmbh srl agency district school union
    office bureau board council county committee government federal corporation corp
    bank group avenida travessa praça praca estrada alameda calle plaza paseo boulevard
    company hospital hospitalar clinic clinica clínica clinique klinik center centre
    centro laboratory laboratorio laboratório labor lab labs medical health healthcare
    services service department departamento serviço servicio university universidade inc
    llc ltd pharmacy farmacia farmácia street avenue rua road care serviço servico servicos
    química quimica laboratorial clinical pathology patologia hematologia radiology imaging"""
)
_HEADING_WORDS = _vocabulary(
    """report reports summary page record records sample amostra muestra exame examen
    test tests result results unit units reference range value information unknown none
    n/a key observations observation notes overview findings statement"""
)
_NEVER = _LABEL_WORDS | _ROLE_WORDS | _ORG_WORDS | NOT_NAME_WORDS
# words of a sentence or title, never of a name ('... Agency Established In')
_FUNCTION_WORDS = _vocabulary("of the and for in on at to with by from our your its is are")
_NEVER_UNLABELLED = _NEVER | _HEADING_WORDS | _FUNCTION_WORDS
_PARTICLES = _vocabulary("da de do dos das del della di du la le van von der den y e")
# short words of their own, never a piece OCR split off the word before them: suffixes, and
# particles too rare to leave out of a name's words ('Omar bin Khalid', 'Ben' is a name)
_NOT_FRAGMENTS = _vocabulary("jr sr ii iii iv esq bin ibn ben bint al el ter ten zu")
_NOT_JOINED = _PARTICLES | _NOT_FRAGMENTS  # a short lower-case word after a name stays a word
_TITLES = re.compile(r"^(?:dr|dra|drs|prof|profa|doctor|doc)\b\.?", re.IGNORECASE)


def find_patient(text: str) -> Person:
    """The patient a document names in its header (name and birth date), possibly empty."""
    return Person(name=find_name(text), birth_date=birth_date(text))


def find_name(text: str) -> str | None:
    """The patient's name as the document prints it (see named_people), displayed as
    'First Middle Last'."""
    return next(iter(named_people(text, limit=1)), None)


def named_people(text: str, *, limit: int = 4) -> list[str]:
    """The different people a text names as its patient, in order of first mention (a file
    holding two people's reports names both).

    Labelled names come first: 'Patient: X', 'Nome: X', a name under its label in a column
    layout ('Patient Name' over 'DOE, JANE'), a name below a label standing alone ('Doente').
    Only when a text has none are unlabelled forms read: the name beside a birth-date label
    ('Ana Faria   DN: 05/04/1990'), a title line ('Blood Test Report - Akshay Jadhav'), a
    name heading every page, the name below a letter's salutation ('Exmo. Sr.')."""
    lines = text.splitlines()
    labelled = (name for number in range(len(lines)) for name in _labelled(lines, number))
    found = _distinct(labelled, limit)
    if not found:
        found = _distinct(_unlabelled(text, lines), limit)
    if not found and (name := _lone_page_heading(text)):
        found = [name]  # the weakest sign: never a second person beside another
    return found


def _distinct(names: Iterable[str], limit: int) -> list[str]:
    found: list[str] = []
    for name in names:
        if not any(name_matches(name, other) for other in found):
            found.append(name)
            if len(found) >= limit:
                break
    return found


HEADING_LINES = 6  # a title line naming the person is among the first lines
BELOW_REACH = 3  # lines below a label standing alone where its name may be
PAGE_HEAD_LINES = 3  # a name heading each page is among its first lines


def _labelled(lines: list[str], number: int) -> Iterable[str]:
    line = lines[number]
    for label in NAME_LABEL.finditer(line):
        explicit = bool(_EXPLICIT.match(label.group("label")))
        if not explicit and _under_someone_elses_heading(lines, number):
            continue  # a bare 'Name:' in a next of kin's record
        before = _FIELD_SPLIT.split(line[: label.start()])[-1].strip()
        if before and (not explicit or _words(before) & _NEVER):
            continue  # 'Physician Name:', 'Referring Patient ...': someone else's label
        value = _STOP.split(line[label.end() :], maxsplit=1)[0].strip(" ,;:")
        if wrapped := _wrapped_surname(lines, number, value):
            value = f"{value} {wrapped}"  # 'Name: Elizabeth' over 'Williams'
        name = _accept(value, explicit=explicit) if value else None
        colon = any(mark in label.group(0)[len(label.group("label")) :] for mark in ":#")
        if name is None and not (colon and value):  # nothing after it: a column's label
            name = _below(lines, number, label.start(), explicit=explicit)
        if name:
            yield name


def _wrapped_surname(lines: list[str], number: int, value: str) -> str | None:
    """The rest of a one-word name a narrow column wrapped onto the next line ('Name:
    Elizabeth' over 'Williams', then 'DOB: ...'): that line's one or two capitalised words,
    no label, digit or colon among them; None otherwise."""
    if not value or len(value.split()) != 1 or number + 1 >= len(lines):
        return None
    below = lines[number + 1].strip()
    words = below.split()
    if not 1 <= len(words) <= 2 or ":" in below or any(ch.isdigit() for ch in below):
        return None
    if not all(word[:1].isupper() and word.replace("-", "").replace("'", "").isalpha()
               for word in words):  # fmt: skip
        return None
    return None if _words(below) & (_LABEL_WORDS | _ROLE_WORDS | _ORG_WORDS) else below


HEADING_REACH = 2  # lines above a record's first field where its heading stands
_OTHERS_HEADING = _vocabulary("kin relative relatives")  # with _ROLE_WORDS: 'NEXT OF KIN'


def _under_someone_elses_heading(lines: list[str], number: int) -> bool:
    """Whether the record holding this line is headed as another person's: 'PRIMARY NEXT
    OF KIN', 'EMERGENCY CONTACT', 'VA GUARDIAN' standing alone above a bare 'Name: ...' (the
    VA's Blue Button download), never a heading naming the patient ('Patient Contact')."""
    above = [line for line in lines[max(0, number - HEADING_REACH) : number] if line.strip()]
    if not above or ":" in above[-1]:
        return False
    words = _words(above[-1])
    return bool(words & (_ROLE_WORDS | _OTHERS_HEADING)) and "patient" not in words


def _below(lines: list[str], number: int, start: int, *, explicit: bool) -> str | None:
    """The name under a label with nothing after it: in the same column of the next line
    when both lines have as many fields, else (a label alone on its line) the first
    name-like field of the next lines that name no role."""
    fields = _fields(lines[number])
    column = len(_fields(lines[number][:start]))
    following = [line for line in lines[number + 1 : number + 1 + BELOW_REACH] if line.strip()]
    if not following:
        return None
    below = _fields(following[0])
    if len(fields) > 1:
        if len(below) != len(fields) or column >= len(below):
            return None  # ('Name: X   Relationship to Patient:' has no field under its end)
        return _accept(below[column], explicit=explicit)
    for line in following:
        if _words(line) & _ROLE_WORDS or NAME_LABEL.search(line):
            return None  # the next label, or a doctor's line: nothing of the patient's
        if any(_is_label(field) for field in _fields(line)):
            continue  # a row of labels ('LOGO TEXT   Date of Birth')
        for field in _fields(line):
            name = _accept(field, explicit=False)
            if name:
                return name
    return None


# a letter's salutation ending its field, the addressee's name on the next line: 'Exmo. Sr.',
# 'Exmo. Senhor', 'Exma. Sra.' (OCR: 'Exm®. Sr.'); one ending in 'Dr.' addresses a doctor
# Forms: 'Ex.mo Senhor', 'Exma. Senhora', 'Ex.mo(a) Sr.(a)', 'Ilmo. Sr.', 'Pertencente a Ex.mo
# Senhor', Spanish 'Sr./Sra.', 'Sr(a).' (a bare 'Sr.' only as a whole field: 'John Smith Sr.'
# is a name's suffix); OCR reads the raised 'mo' as '."', ',”' or '®'
SALUTATION = re.compile(
    r"(?:(?:^|\s)(?:ex|il)(?:m|[^\w\s])\S{0,5}\s*|^)"
    r"(?:sr|snr|senhor|sra|snra|senhora|se[ñn]or|se[ñn]ora)\b"
    r"(?:[^\w\s]*a?[^\w\s]*|[^\w\s]*/\s*sra\b[^\w\s]*)\s*:?$",
    re.IGNORECASE,
)


def _addressed(lines: list[str], number: int) -> str | None:
    """The name on one of the two lines below a salutation ending a field of line `number`
    (a line of the page's other column may come between them)."""
    if not any(SALUTATION.search(field) for field in _fields(lines[number])):
        return None
    below = [line for line in lines[number + 1 : number + 4] if line.strip()][:2]
    for line in below:
        if _words(line) & _ROLE_WORDS or NAME_LABEL.search(line):
            return None  # a doctor's line, or the next label
        if name := _name_in_fields(_fields(line)):
            return name
    return None


def _name_in_fields(fields: list[str]) -> str | None:
    """The first name among a line's fields, a name OCR spread over neighbouring fields
    ('TIAGO ANDRE DIAS   SILVA') joined again: the longest run of fields from a field on
    that reads as one name."""
    for start in range(len(fields)):
        for end in range(len(fields), start, -1):
            if fields[end - 1].rstrip().endswith(","):
                continue  # 'RUA DAS FLORES,': a street, its number to follow
            name = _accept(" ".join(fields[start:end]), explicit=False)
            if name:
                return name
    return None


def _unlabelled(text: str, lines: list[str]) -> Iterable[str]:
    for number, line in enumerate(lines):
        if name := _addressed(lines, number):
            yield name
        fields = _fields(line)
        for index, field in enumerate(fields[1:], start=1):
            if BIRTH_LABEL.match(field) and birth_date(field):  # 'Ana Faria   DN: 05/04/1990'
                name = _accept(fields[index - 1], explicit=False)
                if name:
                    yield name
                break
        if number < HEADING_LINES and (match := TITLE_NAME.match(line)):
            name = display_name(match.group("name"))
            if name:
                yield name
        taj = NAME_WITH_TAJ.match(line) if number < HEADING_LINES * 2 else None
        if taj and taj_valid(taj.group("taj")):  # 'Kovács Anna 116086200': name and TAJ
            name = _accept(taj.group("name"), explicit=False)
            if name:
                yield name
    yield from _page_heading_names(text)


# a line holding only a name and a Hungarian social security (TAJ) number, as a Hungarian
# record's heading prints its patient ('Műtéti lap' / date / name and TAJ)
NAME_WITH_TAJ = re.compile(
    r"^\s*(?P<name>[^\W\d_][^\d:]{3,60}?)\s+(?P<taj>\d{3}[ -]?\d{3}[ -]?\d{3})\s*$"
)


def taj_valid(number: str) -> bool:
    """A TAJ number's check digit: the first eight digits weighted 3, 7, 3, 7... sum to the
    ninth modulo 10 (so a phone or order number is rarely taken for one)."""
    digits = [int(d) for d in re.sub(r"\D", "", number)]
    if len(digits) != 9 or len(set(digits)) == 1:
        return False
    total = sum(d * (3 if i % 2 == 0 else 7) for i, d in enumerate(digits[:8]))
    return total % 10 == digits[8]


def _page_heading_names(text: str) -> list[str]:
    """A line holding only a name among the first lines of two pages or more."""
    if "\f" not in text:  # one page: no name heads two
        return []
    pages: dict[frozenset[str], set[int]] = {}
    shown: dict[frozenset[str], str] = {}
    for number, page in enumerate(text.split("\f")):
        head = [line for line in page.splitlines() if line.strip()][:PAGE_HEAD_LINES]
        for line in head:
            name = _accept(line.strip(), explicit=False)
            if name and len(_fields(line)) == 1:
                pages.setdefault(name_key(name), set()).add(number)
                shown.setdefault(name_key(name), name)
    return [shown[key] for key, numbers in pages.items() if len(numbers) >= 2]


# words of a report's title or section heading, never of a name ('ANÁLISE SUMÁRIA DA URINA')
_TITLE_WORDS = _vocabulary(
    """análise análises analise analises sumária sumaria urina sangue fezes soro plasma
    hemograma bioquímica bioquimica hematologia imunologia microbiologia serologia
    relatório relatorio boletim resultado resultados exame exames estudo informe análisis
    analisis orina heces sangre bioquímica perfil panel profile count blood urine serum
    analysis culture complete basic metabolic lipid urinalysis consulta nota alta"""
)
_LONE_HEADING_WORDS = 3  # a lone page's heading is a name only if it has this many words


def _lone_page_heading(text: str) -> str | None:
    """The first line of a text of one page when it holds only a full name of three words
    or more in capitals (a printed page's header naming its patient, the other pages
    missing), or the first after labelled header lines ('Requisição: 916237   Data
    Colheita ...'); a field of one or two characters beside it is OCR's speck, not a word."""
    pages = [page for page in text.split("\f") if page.strip()]
    if len(pages) != 1:
        return None
    lines = [line for line in pages[0].splitlines() if line.strip()]
    for _ in range(BELOW_REACH):  # a header's labelled fields above the name
        if len(lines) > 1 and ":" in lines[0] and len(_fields(lines[0])) > 1:
            if _words(lines[0]) & _ROLE_WORDS:
                return None  # 'Médico Requisitante:' above: the name may be the doctor's
            lines = lines[1:]
    first, *following = lines
    if first.rstrip().endswith(":"):
        return None  # a section's heading ('PRIMARY DISCHARGE DIAGNOSES:'), no name
    fields = [field for field in _fields(first) if len(field.strip()) > 2]
    if len(fields) != 1 or _words(fields[0]) & (_TITLE_WORDS | _LABEL_WORDS):
        return None
    if any(_words(line) & _ORG_WORDS for line in following[:BELOW_REACH]):
        return None  # a letterhead: a lab or clinic named after its founder
    if not fields[0].isupper():
        return None  # a header prints its patient in capitals; a title-case line is a title
    name = _accept(fields[0], explicit=False)
    words = [t for t in (name or "").split() if len(t.strip(".")) > 1]
    words = [t for t in words if t.lower() not in _PARTICLES]
    if len(words) < _LONE_HEADING_WORDS or _words(name or "") & set(_analyte_words()):
        return None
    return name


@cache
def _analyte_words() -> frozenset[str]:
    """Lower-case words of the test names intake knows, so a test's heading is no name."""
    return frozenset(word.lower() for word in ANALYTE_WORDS)


def _is_label(field: str) -> bool:
    """A field that is a label with no value: 'Date of Birth', 'Sexo:'."""
    return field.rstrip().endswith(":") or bool(
        (BIRTH_LABEL.match(field) or NAME_LABEL.match(field)) and not birth_date(field)
    )


def _fields(line: str) -> list[str]:
    return [field for field in _FIELD_SPLIT.split(line.strip()) if field.strip()]


def _words(text: str) -> frozenset[str]:
    """The text's words, lower case, each also as OCR may have misread it: an 'i' read as
    'l' ('Servlço Qulmlca' is 'Serviço Química'), so a misread label or institution is
    still known as one."""
    words = _WORD.findall(text.lower())
    return frozenset(words + [word.replace("l", "i") for word in words if "l" in word])


def _accept(value: str, *, explicit: bool) -> str | None:
    """`value` displayed as a name if it can be the patient's: under a label that says
    'patient' the words are taken as printed (an ID number beside them dropped); otherwise
    each word must be capitalised like a name, and none may be a label's, a role's, an
    institution's or a heading's word."""
    value = value.strip(" ,;:")
    addressed = False
    while honorific := HONORIFIC.match(value):  # 'Ex.ma Sra. ...', 'Sr.(a) ...'
        value, addressed = value[honorific.end() :], True
    if addressed:
        value = re.sub(r"^D[.ªº]\s+", "", value)  # 'Sra. D. Ana': 'D.' is 'Dona'
    if not value or _TITLES.match(value):
        return None  # 'Dr. ...': a doctor
    tokens = _join_fragments(
        [t for t in value.replace(",", ", ").split() if not _NO_LETTERS.fullmatch(t)]
    )
    words = _words(" ".join(tokens))
    if words & (_NEVER if explicit else _NEVER_UNLABELLED):
        return None
    if not explicit and not all(_name_shaped(t) for t in tokens):
        return None
    if sum(1 for t in tokens if len(t.strip(".,")) > 1 and t.lower() not in _PARTICLES) < 2:
        return None
    return display_name(" ".join(tokens).strip(" ,"))


_WORD = re.compile(r"[a-zà-ÿā-ž/º]+")
_NO_LETTERS = re.compile(r"[\d\W]+")
_FRAGMENT = re.compile(r"[a-zà-ÿā-ž]{2,3},?")
_CAPITALISED = re.compile(r"[A-ZÀ-Ý][a-zà-ÿā-ž]{1,}")


def _join_fragments(tokens: list[str]) -> list[str]:
    """A word OCR split in two joined again: a short lower-case piece right after a
    capitalised word ('Hol ly' is 'Holly'); a particle ('da', 'van') stays a word."""
    joined: list[str] = []
    for token in tokens:
        previous = joined[-1] if joined else ""
        if (
            _FRAGMENT.fullmatch(token)
            and token.strip(",").lower() not in _NOT_JOINED
            and _CAPITALISED.fullmatch(previous)
            and previous.lower() not in _PARTICLES
        ):
            joined[-1] = previous + token
        else:
            joined.append(token)
    return joined


def _name_shaped(token: str) -> bool:
    """'Silva', 'SILVA', "O'Neil", 'McBee', 'K.', 'dos', 'Silva,'."""
    bare = token.strip(".,")
    if token.lower() in _PARTICLES:
        return True
    upper, lower = "A-ZÀ-ÝĀ-ž", "a-zà-ÿā-ž"  # Latin Extended-A pairs both cases: lenient
    return bool(
        re.fullmatch(rf"[{upper}](?:[{upper}'-]*|[{lower}'-]+(?:[{upper}][{lower}'-]+)?)", bare)
    )


def display_name(raw: str) -> str | None:
    """'GARCIA, MARIA L' or 'Maria L. Garcia' -> 'Maria L. Garcia'-style; None if not a name."""
    raw = raw.strip()
    if "^" in raw:
        return dicom_name(raw)
    if "," in raw:
        last, _, first = raw.partition(",")
        raw = f"{first.strip()} {last.strip()}"
    tokens = [t.strip("_|:;~") for t in raw.split()]
    tokens = [t for t in tokens if t]
    if not 2 <= len(tokens) <= 6 or not all(_NAME_TOKEN.match(t) for t in tokens):
        return None
    if any(t.lower().strip(".,") in _NOT_NAMES for t in tokens):
        return None
    if all(t.isupper() or len(t) == 1 or t in _PARTICLES for t in tokens) or raw.islower():
        tokens = [
            t
            if t.lower() in _PARTICLES and not t.isupper()
            else t.capitalize()
            if len(t) > 1
            else t.upper()
            for t in tokens
        ]
    return " ".join(tokens)


def dicom_name(value: str) -> str | None:
    """A DICOM PN 'LAST^FIRST^MIDDLE^PREFIX^SUFFIX' as 'First Middle Last'."""
    parts = (str(value).split("=")[0].split("^") + [""] * 5)[:5]
    last, first, middle, prefix, suffix = (p.strip() for p in parts)
    joined = " ".join(p for p in (prefix, first, middle, last, suffix) if p)
    if not joined:
        return None
    return display_name(joined) or joined.title()


def name_key(name: str) -> frozenset[str]:
    """Tokens that identify a name regardless of order, case, accents, punctuation and
    initials ('ANDRE' is 'André': a record or its OCR may drop the accents)."""
    tokens = re.findall(r"[a-z]+", fold_accents(name).lower())
    return frozenset(t for t in tokens if len(t) > 1)


_UNFOLDED = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L"}
)


def fold_accents(text: str) -> str:
    """`text` without diacritics: 'Conceição' -> 'Conceicao', 'Ödön' -> 'Odon'."""
    return fold(text.translate(_UNFOLDED))  # letters with a stroke NFKD leaves alone first


def consensus(people: Iterable[Person]) -> Person:
    """The person most documents name: the most common name and birth date."""
    people = [p for p in people if p and not p.is_empty()]
    keys = Counter(name_key(p.name) for p in people if p.name)
    name = None
    if keys:
        best_key = keys.most_common(1)[0][0]
        spellings = Counter(p.name for p in people if p.name and name_key(p.name) == best_key)
        # the most common spelling; of equally common ones, the one keeping its accents
        name = max(spellings, key=lambda s: (spellings[s], sum(not c.isascii() for c in s)))
    if name:  # birth date and identifiers only from the records naming that person (another
        # patient's record slipped into the folder must not lend its ID or birth date)
        people = [p for p in people if not p.name or name_matches(p.name, name)]
    births = Counter(p.birth_date for p in people if p.birth_date)
    birth = births.most_common(1)[0][0] if births else None
    identifiers = sorted(
        {i for p in people if not (p.birth_date and birth and p.birth_date != birth)
         for i in p.identifiers}
    )  # fmt: skip
    return Person(name=name, birth_date=birth, identifiers=identifiers)


NAME_MATCH = 88.0  # rapidfuzz token-set score at or above which two names are one person


def name_matches(first: str, second: str) -> bool:
    """True when two names are one person: order, case, punctuation, initials, a middle name
    present on one side only and small OCR slips do not matter."""
    from rapidfuzz import fuzz

    a, b = " ".join(sorted(name_key(first))), " ".join(sorted(name_key(second)))
    if not a or not b:
        return True  # nothing to compare
    return fuzz.token_set_ratio(a, b) >= NAME_MATCH


def differences(person: Person, patient: Person) -> list[str]:
    """How `person` (as a document names them) differs from the packet's `patient`."""
    found = []
    if person.name and patient.name and not name_matches(person.name, patient.name):
        found.append(f"names {person.name!r}, not {patient.name!r}")
    if person.birth_date and patient.birth_date and person.birth_date != patient.birth_date:
        found.append(f"birth date {person.birth_date}, not {patient.birth_date}")
    return found
