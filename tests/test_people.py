"""Patient names in the header forms real reports print. Each excerpt keeps a corpus file's
layout (its unit named in a comment, as intake's PDF reader gives the text) with a fictional
person in place of the real one."""

from __future__ import annotations

from intake.understand.people import find_name, find_patient, named_people


def test_name_beside_a_birth_date_label_without_a_name_label():
    # lab_pdf/bronstein_dasa_hemograma_br.pdf: name, then 'DN:' (data de nascimento)
    text = (
        "7640.0241.6683 / CIP 7664856260\n"
        "Maria Clara Souza Lima   DN: 05/04/1990 (33 Anos)   SEXO: Feminino\n"
        "Dr(a) Paula Regina dos Santos Moura   Telefone:\n"
        "Exame   Resultado   Valor de Referência\n"
        "Data de Coleta/Recebimento: 23/10/2023   Hora Aproximada: 08:39 BRT\n"
    )
    patient = find_patient(text)
    assert (patient.name, patient.birth_date) == ("Maria Clara Souza Lima", "1990-04-05")


def test_a_label_alone_on_its_line_names_the_patient_below():
    # lab_pdf/tsilva_chporto_2023_cumulative_adobescan.pdf: 'Doente' (patient, pt-PT)
    text = (
        "Departamento de Patologla Laboratorlal\n"
        "Doente\nAmostra\n"
        "05-01-2023 09:06:00   JOAO PEDRO COSTA NUNES\n"
        "Data Registo:\n"
        "Requisitante\n"
        "Dr(a) A. L. Vasconcelos\n"
    )
    assert find_name(text) == "Joao Pedro Costa Nunes"


def test_a_logo_under_a_name_label_is_not_the_patient():
    # clinical_pdf/jsl_christianacare_h_and_p_scanned.pdf: the name is redacted; the
    # hospital's logo text sits on the row of the next label
    text = (
        "Patient Name\nFinancial Number\nCHRISTIANA CARE   Date of Birth\n"
        "HEALTH SERVICES   Patient Location   :\n| H & P |\nChief Complaint   Arthritis\n"
    )
    assert named_people(text) == []


def test_a_doctor_below_a_name_label_is_not_the_patient():
    # lab_pdf/hl7_labcorp_ana_multiple_ranges.pdf, page 3 as PDFium orders it
    text = "Patient Name\nBN LabCorp Burlington Dir: William F Hancock, MD\n"
    assert named_people(text) == []
    assert find_name("Physician Name: Ana Gomes\nOrdering Provider   Ben Hart") is None
    assert find_name("Médico: Dr. Carlos Lima") is None


def test_a_column_label_row_over_its_values():
    # LabCorp-style header rows: labels on one line, values below in the same columns
    text = "Patient Name   Specimen Number\nDOE, JANE M   244-988-9201-0\n"
    assert find_name(text) == "Jane M Doe"


def test_a_name_heading_every_page():
    # clinical_pdf/hl7_mydirectives_advance_directive.pdf: title, then the person's name,
    # on every page
    page = "Universal Advance Digital Directive (uADD)\nPeter Alan McKay\nPart {}\nText.\n"
    text = "\n\f\n".join(page.format(n) for n in (1, 2))
    assert find_name(text) == "Peter Alan McKay"
    assert find_name(page.format(1)) is None  # one page: a heading, not yet a person


def test_multilingual_labels():
    assert find_name("Nome: ANA PAULA RIBEIRO   Idade: 40") == "Ana Paula Ribeiro"
    assert find_name("Paciente: GARCÍA LÓPEZ, JUAN   Edad: 52") == "Juan García López"
    assert find_name("Patient:in: Weber, Anna   Geb.: 01.02.1970") == "Anna Weber"


def test_headings_and_ocr_fragments_are_not_names():
    # clinical_pdf/jsl_mankato_clinic_procedure_note_fax.pdf: a large name split by OCR
    text = "M   Laura   K   DOB:\norris,   La a   DOB: 06/03/1973\nSEX: F\n"
    assert named_people(text) == []
    assert find_name("Serviço Química Clínica   DN: 05/04/1990") is None


def test_name_below_a_letters_salutation():
    # OCR of tsilva_hluz_synlab_arrabida_2022_lipids_page.png (the report mailed to the patient)
    synlab = ";   PRE5730 / 712517\nee   .   Exmo Sr.\nMARTA SOFIA LOPES COSTA\nRua 23 792 1 DTO\n"
    assert find_name(synlab) == "Marta Sofia Lopes Costa"
    # tsilva_labmed_porto_2014_hemogram_page.png: the left column's prose between them
    labmed = (
        "eee   ee   Exm®. Sr.\nEste boletim foi enviado por e-mail.   ;\n"
        "A impressao é da responsabilidade do utente.   MARTA SOFIA LOPES COSTA\n"
    )
    assert find_name(labmed) == "Marta Sofia Lopes Costa"
    # tsilva_unilabs_espinho_2024_cumulative_page.png
    assert find_name("Utente   3666-38332\nExmo. Senhor\nMarta Sofía Lopes Costa\n") == (
        "Marta Sofía Lopes Costa"
    )


def test_a_salutation_to_a_doctor_names_no_patient():
    # tsilva_germanodesousa_espinho_2025_urine_rf_page.png and tsilva_unilabs_...: the doctor
    assert (
        find_name("Exmo.(a) Senhor.(a) Dr.(a):\nANTONIO LUDGERO SANTOS REGO VASCONCELOS\n") is None
    )
    assert find_name("A/C Exmo Sr(a). Dr(a).\nManuel Cirne Carvalho   Medico Assistente\n") is None


def test_a_portuguese_salutation_as_ocr_reads_it():
    # lab_pdf/tsilva_ordem_trindade_porto_2001_scanned.pdf: 'Pertencente a Ex.mo Senhor', the
    # raised 'mo' read as '."', the name spread over two fields of the right column
    text = (
        "SERVIÇO   DE PATOLOGIA CLÍNICA\n"
        'ee   |   Pertencente a Ex." Senhor”\n'
        "RUA DAS FLORES, 22   |   |   MARTA SOFIA LOPES   COSTA\n"
        "TELEFONES 22 205 69 21   - FAX 22 205 69 21\n"
    )
    assert find_name(text) == "Marta Sofia Lopes Costa"
    # the same report's first salutation addresses the doctor, below the lab's name
    doctor = "Ex,” Senhor”\nORDEM DA TRINDADE |.\n| |   pr.” Medico Assistente\n"
    assert find_name(doctor) is None


def test_salutation_forms_of_portuguese_and_spanish_reports():
    assert find_name("Exma. Senhora\nAna Maria Costa\n") == "Ana Maria Costa"
    assert find_name("Ex.mo(a) Sr.(a)\nJoana Lopes Pinto\n") == "Joana Lopes Pinto"
    assert find_name("Sr./Sra.\nJuan Pérez García\n") == "Juan Pérez García"
    assert find_name("Paciente: Sr(a). Ana Maria Costa") == "Ana Maria Costa"
    assert find_name("Doente: Ex.ma Sra. D. Ana Costa") == "Ana Costa"
    assert find_name("Paciente   Sra. Lucía Gómez Ruiz") == "Lucía Gómez Ruiz"
    # an institution below a salutation is never the patient
    assert find_name("Exmo Sr.\nSanta Casa da Misericórdia\n") is None
    assert find_name("Sr.\nLaboratorio Central Lda\n") is None
    # 'Sr.' ending a name is its suffix, not a salutation to the name below
    assert "Mary Ann Smith" not in named_people("JOHN SMITH SR.\nMARY ANN SMITH\n")


def test_a_name_ocr_split_in_two_beside_a_birth_date():
    # clinical_pdf/jsl_mankato_clinic_procedure_note_fax.pdf: 'Hol ly' for 'Holly'
    text = "(507) 625-7246\n\nForsythe, Hol ly K   DOB: 06/03/1973\n\nSEX: F\n"
    patient = find_patient(text)
    assert (patient.name, patient.birth_date) == ("Holly K Forsythe", "1973-06-03")
    assert find_name("Ana da Silva   DN: 05/04/1990") == "Ana da Silva"  # a particle stays
    assert find_name("Patient: Omar bin Khalid") == "Omar bin Khalid"
    assert find_name("Patient: Smith, John jr") == "John jr Smith"  # a suffix stays


def test_a_lone_pages_heading_naming_its_patient():
    # photo/tsilva_har_2017_urinalysis_scanned_page.png: page 3 of 3, the name its only
    # heading (an OCR speck beside it)
    text = "a   MARTA SOFIA LOPES COSTA\n\nAnálises\nPW ,,\nANÁLISE SUMÁRIA DA URINA\nCôr\n"
    assert find_name(text) == "Marta Sofia Lopes Costa"
    assert find_name("ANÁLISE SUMÁRIA DA URINA\nCôr   Amarela\n") is None
    assert find_name("Hemoglobina Glicada Total\nHbA1c   5.4 %\n") is None
    assert find_name("MARTA COSTA\nCôr   Amarela\n") is None  # two words: too little to go on
    assert find_name("Marta Sofia Lopes Costa\fCôr   Amarela\n") is None  # two pages
    # the same page read as rows (one block of lines): its labelled header fields come first
    rows = (
        "Requisição: 916237   Data Colheita   29-04-2017   19:30\n"
        "NHC: HAR/101112   Emissão   ? 20:06\n"
        '"   MARTA SOFIA LOPES COSTA\nPW ,,\nANALISE SUMARIA DA URINA\n'
    )
    assert find_name(rows) == "Marta Sofia Lopes Costa"
    unlabelled = "Requisição 916237\nNHC HAR/101112\nMARTA SOFIA LOPES COSTA\n"
    assert find_name(unlabelled) is None  # not a labelled header: the name is not its heading


def test_accents_dropped_are_the_same_person():
    text = "Paciente: JOSÉ LUÍS PEÑA\nGlicose 90\n\fPaciente: JOSE LUIS PENA\n"
    assert named_people(text) == ["José Luís Peña"]


def test_what_a_lone_heading_or_an_address_line_is_not():
    # other_pdf/pdfplumber_cupertino_usd_4-6-16.pdf and jsl_rominvent_invoice.pdf (OCR)
    assert find_name("CUPERTINO UNION SCHOOL DISTRICT\nBoard of Education\n") is None
    assert find_name("INDUSTRIAL PROPERTY AGENCY ESTABLISHED IN\nInvoice\n") is None
    assert find_name("Marta Sofia Lopes Costa\nCôr   Amarela\n") is None  # title case: a title
    # photo/tsilva_germanodesousa_espinho_2025_urine_rf_page.png: a lab named after a person
    assert find_name("GERMANO DE SOUSA\n\nCENTRO DE MEDICINA LABORATORIAL\n") is None
    assert find_name("MARTA DA SILVA COSTA\n\nCENTRO DE MEDICINA LABORATORIAL\n") is None
    letter = "FERNANDO DA SILVA COSTA\nExmo. Senhor\nMarta Sofia Lopes Costa\n"
    assert named_people(letter) == ["Marta Sofia Lopes Costa"]  # the heading: no 2nd person
    # other_pdf/zerox_portfolio_statement_sample.pdf: a heading on two pages
    assert find_name("Key Observations\nSome text\fKey Observations\nMore text\n") is None
    # lab_pdf/tsilva_ordem_trindade_porto_2001_scanned.pdf, page 2: OCR drops the street's
    # 'R'; the line's closing comma still says it is an address
    text = (
        "Pertencente a Ex.” Senhor”\n"
        "UA DAS FLORES E MÁRTIRES DE ANGOLA,\n"
        "TELEFONES 22 205 69 2)   - 22 207 59 00 - FAX ane ‘   MARTA SOFIA LOPES COSTA\n"
    )
    assert named_people(text) == ["Marta Sofia Lopes Costa"]
