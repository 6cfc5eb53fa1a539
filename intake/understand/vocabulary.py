"""Words records print in languages other than English, as one table.

Document titles and section headings (per kind), patient name and birth-date labels, and
medication-section headings in Hungarian (hu), Portuguese (pt), Spanish (es), German (de),
French (fr) and Italian (it). Each entry is a regular expression matched case-insensitively
(accents as printed; see `fold` for text whose accents OCR lost). classify.py, people.py,
dates.py and meds.py read these tables; nothing else is keyed on a language.
"""

from __future__ import annotations

import unicodedata

# kind: {"title": phrases that name the document (weight 5), "section": headings or words
# typical of its body (weight 2)}. Titles are specific phrases; a bare word that many kinds
# share ("lelet", "relatório", "Befund") is never a title on its own.
KIND_WORDS: dict[str, dict[str, dict[str, list[str]]]] = {
    "lab_report": {
        "title": {
            "hu": [
                r"laborat[óo]riumi\s+(?:lelet|vizsg[áa]lat|eredm[ée]ny)",
                r"laborlelet",
                r"vizelet\s*(?:vizsg[áa]lat|[üu]led[ée]k)",
                r"v[ée]rk[ée]p",
            ],
            "pt": [
                r"resultados?\s+(?:de|das|dos)\s+(?:an[áa]lises|exames)",
                r"an[áa]lises\s+cl[íi]nicas",
                r"boletim\s+de\s+an[áa]lises",
                r"relat[óo]rio\s+de\s+an[áa]lises",
                r"hemograma(?:\s+completo)?",
                r"an[áa]lise\s+sum[áa]ria\s+(?:da\s+)?urina",
                r"urina\s+(?:tipo\s+)?II",
            ],
            "es": [
                r"informe\s+de\s+laboratorio",
                r"resultados?\s+de\s+laboratorio",
                r"an[áa]lisis\s+cl[íi]nicos",
                r"sedimento\s+urinario",
                r"examen\s+(?:general\s+)?de\s+orina",
            ],
            "de": [
                r"laborbefund",
                r"laborbericht",
                r"laborwerte",
                r"befundbericht\s+labor",
                r"(?:gro(?:ß|ss)es|kleines)\s+blutbild",
                r"urinstatus|harnstatus",
            ],
            "fr": [
                r"compte[-\s]rendu\s+d'analyses",
                r"r[ée]sultats?\s+d'analyses",
                r"bilan\s+biologique",
                r"analyses\s+m[ée]dicales",
                r"h[ée]mogramme",
                r"num[ée]ration\s+formule",
                r"examen\s+cytobact[ée]riologique",
            ],
            "it": [
                r"referto\s+(?:di\s+)?laboratorio",
                r"esami\s+(?:di\s+laboratorio|ematochimici)",
                r"analisi\s+(?:cliniche|del\s+sangue)",
                r"emocromo(?:citometrico)?",
                r"esame\s+(?:chimico[-\s]fisico\s+)?(?:completo\s+)?(?:delle\s+)?urine",
            ],
        },
        "section": {
            "hu": [
                r"referencia\s*(?:tartom[áa]ny|[ée]rt[ée]k)",
                r"norm[áa]l\s*[ée]rt[ée]k",
                r"mintav[ée]tel",
                r"v[ée]rv[ée]tel",
            ],
            "pt": [
                r"valor(?:es)?\s+de\s+refer[êe]ncia",
                r"intervalo\s+de\s+refer[êe]ncia",
                r"colheita|coleta\s+(?:de\s+)?(?:amostra|material)",
            ],
            "es": [
                r"valor(?:es)?\s+de\s+referencia",
                r"rango\s+de\s+referencia",
                r"toma\s+de\s+muestra",
            ],
            "de": [r"referenzbereich", r"normbereich", r"normalwert", r"probenentnahme"],
            "fr": [r"valeurs?\s+(?:de\s+r[ée]f[ée]rence|normales|usuelles)", r"pr[ée]l[èe]vement"],
            "it": [r"valori?\s+di\s+riferimento", r"intervallo\s+di\s+riferimento", r"prelievo"],
        },
    },
    "pathology_report": {
        "title": {
            "hu": [
                r"k[óo]rsz[öo]vettani\s+(?:lelet|vizsg[áa]lat)",
                r"sz[öo]vettani\s+lelet",
                r"citol[óo]giai\s+lelet",
                r"patol[óo]giai\s+lelet",
            ],
            "pt": [
                r"anatomia\s+patol[óo]gica",
                r"(?:exame|relat[óo]rio)\s+histopatol[óo]gico",
                r"relat[óo]rio\s+de\s+patologia",
            ],
            "es": [
                r"anatom[íi]a\s+patol[óo]gica",
                r"informe\s+(?:histopatol[óo]gico|de\s+patolog[íi]a)",
            ],
            "de": [
                r"histologischer\s+befund",
                r"patholog(?:ischer\s+befund|iebefund)",
                r"histopathologischer\s+befund",
                r"zytologischer\s+befund",
            ],
            "fr": [
                r"anatomo[-\s]?pathologi(?:e|que)",
                r"anatomie\s+pathologique",
                r"examen\s+histologique",
            ],
            "it": [
                r"anatomia\s+patologica",
                r"referto\s+(?:istologico|citologico|anatomo[-\s]?patologico)",
                r"esame\s+istologico",
            ],
        },
        "section": {
            "hu": [
                r"makroszk[óo]pos\s+le[íi]r[áa]s",
                r"mikroszk[óo]pos\s+le[íi]r[áa]s",
                r"k[óo]rsz[öo]vettani\s+dg",
            ],
            "pt": [r"descri[çc][ãa]o\s+(?:macro|micro)sc[óo]pica", r"exame\s+macrosc[óo]pico"],
            "es": [r"descripci[óo]n\s+(?:macro|micro)sc[óo]pica"],
            "de": [r"makroskopi(?:e|sch)", r"mikroskopi(?:e|sch)"],
            "fr": [r"examen\s+(?:macro|micro)scopique", r"\bmacroscopie\b"],
            "it": [r"(?:esame|descrizione)\s+(?:macro|micro)scopic[ao]"],
        },
    },
    "imaging_report": {
        "title": {
            "hu": [
                r"radiol[óo]giai\s+lelet",
                r"ultrahang(?:\s+vizsg[áa]lati)?\s+lelet",
                r"\bMR[IT]?\s+diagnosztika",
                r"\bCT\s+diagnosztika",
                r"r[öo]ntgen\s*lelet",
                r"k[ée]palkot[óo]\s+diagnosztika",
            ],
            "pt": [
                r"relat[óo]rio\s+de\s+(?:radiologia|imagiologia|ecografia)",
                r"resson[âa]ncia\s+magn[ée]tica",
                r"ultrassonografia",
                r"tomografia\s+computadori[sz]ada",
            ],
            "es": [
                r"informe\s+(?:radiol[óo]gico|de\s+radiolog[íi]a|ecogr[áa]fico)",
                r"resonancia\s+magn[ée]tica",
                r"tomograf[íi]a\s+computari[sz]ada",
            ],
            "de": [
                r"radiologischer\s+befund",
                r"r[öo]ntgenbefund",
                r"mrt[-\s]befund",
                r"sonographie|sonografie",
                r"magnetresonanztomographie",
                r"computertomographie",
            ],
            "fr": [
                r"compte[-\s]rendu\s+(?:radiologique|d'imagerie|d'[ée]chographie)",
                r"[ée]chographie",
                r"tomodensitom[ée]trie",
            ],
            "it": [
                r"referto\s+(?:radiologico|ecografico)",
                r"risonanza\s+magnetica",
                r"tomografia\s+computerizzata",
            ],
        },
        "section": {
            "hu": [r"\bultrahang\b", r"\bMR\s+vizsg[áa]lat", r"\bCT\s+vizsg[áa]lat"],
            "pt": [r"\becografia\b", r"\bradiografia\b"],
            "es": [r"\becograf[íi]a\b", r"\bradiograf[íi]a\b"],
            "de": [r"\bultraschall\b", r"\bbeurteilung\b"],
            "fr": [r"\bradiographie\b", r"\bIRM\b"],
            "it": [r"\becografia\b", r"\bradiografia\b"],
        },
    },
    "operative_note": {
        "title": {
            "hu": [
                r"m[űu]t[ée]ti\s+(?:lap|le[íi]r[áa]s|jegyz[őo]k[öo]nyv|napl[óo])",
                r"m[űu]t[ée]t\s+le[íi]r[áa]sa",
            ],
            "pt": [
                r"relat[óo]rio\s+(?:cir[úu]rgico|operat[óo]rio)",
                r"descri[çc][ãa]o\s+cir[úu]rgica",
                r"nota\s+operat[óo]ria",
            ],
            "es": [
                r"informe\s+(?:quir[úu]rgico|operatorio)",
                r"protocolo\s+quir[úu]rgico",
                r"hoja\s+operatoria",
            ],
            "de": [r"operationsbericht", r"\bOP[-\s]bericht", r"operationsprotokoll"],
            "fr": [r"compte[-\s]rendu\s+op[ée]ratoire", r"protocole\s+op[ée]ratoire"],
            "it": [r"(?:verbale|referto|registro)\s+operatorio", r"descrizione\s+dell'intervento"],
        },
        "section": {
            "hu": [
                r"operat[őo]r\s+orvos",
                r"m[űu]t[őo]sn[őo]",
                r"[ée]rz[ée]stelen[íi]t[ée]s",
                r"narc?k[óo]zis",
            ],
            "pt": [r"cirurgi[ãa]o", r"anestesia"],
            "es": [r"cirujano", r"anestesia"],
            "de": [r"\boperateur\b", r"narkose", r"an[äa]sthesie"],
            "fr": [r"chirurgien", r"anesth[ée]sie"],
            "it": [r"chirurgo", r"primo\s+operatore", r"anestesia"],
        },
    },
    "discharge_summary": {
        "title": {
            "hu": [r"z[áa]r[óo]jelent[ée]s", r"epikr[íi]zis"],
            "pt": [r"(?:nota|relat[óo]rio|resumo|carta)\s+de\s+alta"],
            "es": [r"informe\s+de\s+alta", r"epicrisis"],
            "de": [r"entlass(?:ungs)?(?:bericht|brief)"],
            "fr": [
                r"compte[-\s]rendu\s+d'hospitalisation",
                r"lettre\s+de\s+sortie",
                r"r[ée]sum[ée]\s+de\s+sortie",
            ],
            "it": [r"lettera\s+di\s+dimissione", r"relazione\s+(?:clinica\s+)?di\s+dimissione"],
        },
        "section": {
            "hu": [r"felv[ée]tel\s+(?:oka|d[áa]tuma)", r"t[áa]voz[áa]s"],
            "pt": [r"data\s+de\s+(?:internamento|interna[çc][ãa]o|alta)"],
            "es": [r"fecha\s+de\s+(?:ingreso|alta)"],
            "de": [r"aufnahmedatum", r"entlassungsdatum"],
            "fr": [r"date\s+d'(?:entr[ée]e|admission)", r"date\s+de\s+sortie"],
            "it": [r"data\s+di\s+(?:ricovero|dimissione)"],
        },
    },
    "visit_summary": {
        "title": {
            "hu": [
                r"ambul[áa]ns\s+(?:lap|kezel[őo]lap|ell[áa]t[áa]s)",
                r"j[áa]r[óo]beteg[-\s]*(?:vizsg[áa]lati\s+|ell[áa]t[áa]si\s+)?lap",
                r"szakrendel[ée]si\s+lap",
            ],
            "pt": [
                r"(?:nota|relat[óo]rio|registo|registro)\s+de\s+consulta",
                r"consulta\s+externa",
            ],
            "es": [r"(?:informe|hoja|nota)\s+de\s+consulta", r"consulta\s+externa"],
            "de": [r"ambulanzbericht", r"ambulanter\s+befund", r"sprechstundenbericht"],
            "fr": [r"compte[-\s]rendu\s+de\s+consultation"],
            "it": [
                r"referto\s+(?:di\s+)?visita",
                r"visita\s+ambulatoriale",
                r"referto\s+ambulatoriale",
            ],
        },
        "section": {
            "hu": [r"anamn[ée]zis", r"\bpanasz", r"st[áa]tusz", r"ell[áa]t[áa]s\s+ideje"],
            "pt": [r"anamnese", r"queixa\s+principal", r"motivo\s+da\s+consulta"],
            "es": [r"anamnesis", r"motivo\s+de\s+consulta"],
            "de": [r"anamnese", r"befund\s+und\s+beurteilung"],
            "fr": [r"anamn[èe]se", r"motif\s+de\s+consultation"],
            "it": [r"anamnesi", r"motivo\s+della\s+visita"],
        },
    },
    "referral": {
        "title": {
            "hu": [r"beutal[óo]\s*lap", r"beutal[óo]\s+jegyz[ée]k"],
            "pt": [r"guia\s+de\s+encaminhamento", r"carta\s+de\s+referencia[çc][ãa]o"],
            "es": [r"hoja\s+de\s+(?:interconsulta|derivaci[óo]n)", r"volante\s+de\s+derivaci[óo]n"],
            "de": [r"[üu]berweisungs(?:schein|brief)"],
            "fr": [r"lettre\s+d'adressage", r"courrier\s+d'adressage"],
            "it": [r"impegnativa", r"richiesta\s+di\s+consulenza"],
        },
        "section": {},
    },
    "medication_list": {
        "title": {
            "hu": [r"gy[óo]gyszerlista", r"szedett\s+gy[óo]gyszerek", r"gy[óo]gyszerel[ée]s"],
            "pt": [
                r"lista\s+de\s+medica[çc][ãa]o",
                r"medica[çc][ãa]o\s+habitual",
                r"receita\s+m[ée]dica",
                r"receitu[áa]rio",
                r"prescri[çc][ãa]o\s+m[ée]dica",
            ],
            "es": [
                r"lista\s+de\s+medicamentos",
                r"medicaci[óo]n\s+habitual",
                r"receta\s+m[ée]dica",
            ],
            "de": [r"medikationsplan", r"medikamentenliste", r"\brezept\b"],
            "fr": [r"liste\s+des\s+m[ée]dicaments", r"\bordonnance\b", r"traitement\s+habituel"],
            "it": [r"terapia\s+domiciliare", r"elenco\s+(?:dei\s+)?farmaci", r"ricetta\s+medica"],
        },
        "section": {},
    },
}

# labels a report prints before (or above) its patient's name; people.py adds English ones
PATIENT_NAME_LABELS: dict[str, list[str]] = {
    "hu": [r"beteg\s+neve", r"p[áa]ciens\s+neve", r"p[áa]ciens", r"ell[áa]tott\s+szem[ée]ly"],
    "pt": [r"nome\s+do\s+(?:paciente|doente|utente)", r"paciente", r"doente", r"utente"],
    "es": [r"nombre\s+del\s+paciente", r"paciente"],
    "de": [r"patientenname", r"name\s+des\s+patienten", r"patient(?::in|in)?"],
    "fr": [r"nom\s+du\s+patient"],
    "it": [r"nome\s+(?:del\s+)?paziente", r"paziente"],
}
# a bare 'Name:' label: the patient's only when nothing before it qualifies it ('Anyja
# neve', 'Születési név' and 'Nome do médico' are someone else's or another name)
LOOSE_NAME_LABELS: dict[str, list[str]] = {
    "hu": [r"n[ée]v"],
    "pt": [r"nome"],
    "es": [r"nombre"],
    "de": [r"name"],
    "fr": [r"nom"],
    "it": [r"nome"],
}
# words of a Hungarian header that are never part of a patient's name (labels, roles,
# institutions); people.py adds them to its own lists
NOT_NAME_WORDS = frozenset(
    """név neve anyja születési taj lakcím lakcíme cím azonosító azonosítója naplósorszám
    orvos orvosa főorvos szakorvos asszisztens operatőr műtősnő beküldő kezelőorvos vizsgáló
    kft bt zrt nyrt korlátolt felelősségű társaság kórház kórháza klinika klinikai intézet
    intézmény centrum centrumkórház szakrendelő rendelő osztály laboratórium labor
    szolgáltató egyesített diagnosztikai központ""".split()  # noqa: SIM905
)

# labels that follow a name on its line ('Név: Kovács Anna Személyazonosító: 123'): the name
# ends where one starts
NAME_FOLLOWING_LABELS: dict[str, list[str]] = {
    "hu": [
        r"taj",
        r"sz[üu]let[ée]si",
        r"sz[üu]l\.",
        r"szem[ée]lyazonos[íi]t[óo]",
        r"(?:napi\s+|napl[óo]\s*)?sorsz[áa]m",
        r"azonos[íi]t[óo]",
        r"anyja",
        r"lakc[íi]m",
        r"c[íi]m(?=\s*:)",
        r"ell[áa]t[áa]s",
        r"nem(?=\s*:)",
        r"teljes\.?\s*az\.",
        r"az\.(?=\s*:)",
    ],
    "pt": [r"processo", r"morada", r"n[º°o]\.?\s*(?:de\s+)?(?:utente|benefici[áa]rio)"],
    "es": [r"edad", r"historia\s+cl[íi]nica", r"dni"],
    "de": [r"geschlecht", r"alter(?=\s*:)", r"geboren"],
    "fr": [r"sexe", r"[âa]ge(?=\s*:)", r"n[ée]e?\s+le"],
    "it": [r"sesso", r"et[àa](?=\s*:)", r"nat[oa]\s+il", r"codice\s+fiscale"],
}

BIRTH_DATE_LABELS: dict[str, list[str]] = {
    "hu": [
        r"sz[üu]let[ée]si\s+(?:d[áa]tum|id[őo]|ideje)",
        r"sz[üu]l\.\s*(?:d[áa]tum|id[őo]|ideje)",
        r"sz[üu]let[ée]si\s+hely,?\s+(?:d[áa]tum|id[őo])",
        r"sz[üu]l\.?\s+hely,?\s+id[őo]",
    ],
    "pt": [r"data\s+de\s+nascimento", r"data\s+nasc\.?", r"dt\.?\s+nasc\.?", r"nascimento"],
    "es": [r"fecha\s+de\s+nacimiento", r"fecha\s+nac\.?", r"f\.\s*nac\.?", r"nacimiento"],
    "de": [r"geburtsdatum", r"geb\.?\s*datum", r"geboren(?:\s+am)?", r"geb\.(?=\s*:?\s*\d)"],
    "fr": [r"date\s+de\s+naissance", r"n[ée]e?\s+le"],
    "it": [r"data\s+di\s+nascita", r"nat[oa]\s+il"],
}

# headings of a medication section: the plan or the prescriptions of a visit
MEDICATION_HEADINGS: dict[str, list[str]] = {
    "hu": [
        r"gy[óo]gyszerek",
        r"gy[óo]gyszerel[ée]s",
        r"(?:javasolt\s+)?ter[áa]pia",
        r"szedett\s+gy[óo]gyszerek",
        r"recept(?:ek)?",
        r"fel[íi]rt\s+v[ée]nyek",
        r"rp\.",
    ],
    "pt": [
        r"medica[çc][ãa]o(?:\s+(?:habitual|atual|actual|prescrita))?",
        r"medicamentos",
        r"prescri[çc][ãa]o",
        r"terap[êe]utica",
        r"receita",
    ],
    "es": [
        r"medicaci[óo]n(?:\s+(?:habitual|actual))?",
        r"medicamentos",
        r"tratamiento",
        r"prescripci[óo]n",
        r"receta",
    ],
    "de": [r"medikation", r"medikamente", r"therapie", r"verordnung(?:en)?", r"rezept"],
    "fr": [r"m[ée]dicaments", r"traitement(?:\s+(?:habituel|en\s+cours))?", r"ordonnance"],
    "it": [r"farmaci", r"terapia(?:\s+(?:domiciliare|in\s+atto))?", r"prescrizione"],
}


# headings that open the first provider's assessment and plan in a note; ASSESSMENT_HEADINGS
# are kept before their lines in the summary ("Impression: ..."), a plan's lines stand alone
ASSESSMENT_HEADINGS: dict[str, list[str]] = {
    "en": [
        r"(?:assessment|impression)(?:\s*(?:and|&|/)\s*(?:plan|recommendations?))?",
        r"follow[- ]?up(?:\s+plan)?",
    ],
    "hu": [r"v[ée]lem[ée]ny(?:\s*[-/]\s*javaslat)?", r"[öo]sszefoglal[áa]s"],
    "pt": [r"impress[ãa]o(?:\s+diagn[óo]stica)?", r"avalia[çc][ãa]o"],
    "es": [r"impresi[óo]n\s+diagn[óo]stica", r"juicio\s+cl[íi]nico", r"valoraci[óo]n"],
    "de": [r"beurteilung", r"einsch[äa]tzung"],
    "fr": [r"conclusion", r"impression\s+clinique"],
    "it": [r"conclusioni", r"valutazione"],
}
PLAN_HEADINGS: dict[str, list[str]] = {
    "en": [r"(?:treatment\s+)?plan(?:\s+of\s+(?:care|treatment))?", r"recommendations?"],
    "hu": [r"(?:ter[áa]pi[áa]s\s+)?javaslat(?:ok)?", r"kezel[ée]si\s+terv", r"teend[őo]k"],
    "pt": [r"plano(?:\s+(?:terap[êe]utico|de\s+tratamento))?", r"conduta", r"recomenda[çc][õo]es"],
    "es": [r"plan\s+de\s+tratamiento", r"recomendaciones", r"conducta\s+a\s+seguir"],
    "de": [r"procedere", r"prozedere", r"(?:therapie)?empfehlung(?:en)?", r"therapieplan"],
    "fr": [r"conduite\s+[àa]\s+tenir", r"recommandations", r"plan\s+de\s+traitement"],
    "it": [r"piano\s+(?:terapeutico|di\s+cura)", r"raccomandazioni"],
}


def alternation(table: dict[str, list[str]]) -> str:
    """One regular expression (no groups of its own) matching any entry of a per-language
    table, longest entries first so 'beteg neve' wins over 'név'."""
    entries = sorted({e for entries in table.values() for e in entries}, key=len, reverse=True)
    return "|".join(f"(?:{entry})" for entry in entries)


def kind_rules() -> dict[str, list[tuple[str, float]]]:
    """classify.py's extra (pattern, weight) rules for each kind, all languages."""
    weights = {"title": 5.0, "section": 2.0}
    rules: dict[str, list[tuple[str, float]]] = {}
    for kind, parts in KIND_WORDS.items():
        for part, table in parts.items():
            if table:
                rules.setdefault(kind, []).append((alternation(table), weights[part]))
    return rules


def fold(text: str) -> str:
    """`text` without accents: 'Kórszövettani' -> 'Korszovettani'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# headings of other sections, that end a medication section
OTHER_SECTION_HEADINGS: dict[str, list[str]] = {
    "hu": [
        r"v[ée]lem[ée]ny",
        r"diagn[óo]zis",
        r"st[áa]tusz",
        r"panasz",
        r"anamn[ée]zis",
        r"beavatkoz[áa]s",
        r"vizsg[áa]lati\s+eredm[ée]nyek",
        r"kiadott\s+beutal[óo]k",
    ],
    "pt": [r"diagn[óo]stico", r"conclus[ãa]o", r"exame\s+f[íi]sico", r"anamnese"],
    "es": [r"diagn[óo]stico", r"conclusi[óo]n", r"exploraci[óo]n", r"anamnesis"],
    "de": [r"diagnosen?", r"befund", r"anamnese", r"beurteilung", r"procedere"],
    "fr": [r"diagnostic", r"conclusion", r"examen\s+clinique", r"ant[ée]c[ée]dents"],
    "it": [r"diagnosi", r"conclusioni", r"esame\s+obiettivo", r"anamnesi"],
}

# directions other languages print on a prescription or beside a drug: how often, how
DIRECTION_WORDS: dict[str, list[str]] = {
    "hu": [
        r"naponta",
        r"\bnapi\b",
        r"hetente",
        r"k[üu]ls[őo]leges(?:en)?",
        r"sz[üu]ks[ée]g\s+eset[ée]n",
    ],
    "pt": [
        r"por\s+dia",
        r"ao\s+dia",
        r"di[áa]ri[oa]",
        r"uso\s+(?:externo|oral)",
        r"em\s+caso\s+de\s+dor",
    ],
    "es": [r"al\s+d[íi]a", r"cada\s+\d+\s+horas", r"v[íi]a\s+oral", r"uso\s+(?:externo|t[óo]pico)"],
    "de": [r"t[äa]glich", r"\btgl\.", r"[äa]u(?:ß|ss)erlich", r"bei\s+bedarf"],
    "fr": [r"par\s+jour", r"voie\s+orale", r"usage\s+externe", r"si\s+besoin"],
    "it": [r"al\s+giorno", r"uso\s+esterno", r"per\s+os", r"al\s+bisogno"],
}
