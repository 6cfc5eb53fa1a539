"""Lab table layouts seen on real reports (corpus/expected/lab_pdf), on short excerpts of
their text as `pdftotext -layout` prints it; the real parser runs on each."""

from __future__ import annotations

from intake.understand.labs import derive_flag, parse_labs

# bronstein_dasa_hemograma_br.pdf: a Brazilian differential, % and /µL side by side
DIFFERENTIAL = (
    "Exame                 Resultado                              Valor de Referência\n"
    "                            %        /µL\n"
    "Leucócitos                100      9.480        100     %     4.000 a 10.000    /µL\n"
    "Neutrófilos              77,7      7.366   40,0 a 80,0  %      1.800 a 7.800    /µL\n"
    "Linfócitos               16,6      1.574   20,0 a 40,0  %      1.000 a 3.000    /µL\n"
    "Monócitos                 3,9        370    2,0 a 10,0  %        200 a 1.000    /µL\n"
)


def test_two_results_on_one_line_each_with_its_range_and_unit():
    found = {(r.test, r.unit): r for r in parse_labs(DIFFERENTIAL)}
    assert len(found) == 8
    neutrophils = found[("Neutrófilos", "/µL")]
    assert (neutrophils.value, neutrophils.reference_range) == ("7.366", "1.800-7.800")
    assert found[("Neutrófilos", "%")].value == "77,7"  # as printed, never converted
    assert found[("Linfócitos", "%")].flag == "L"
    assert found[("Leucócitos", "%")].reference_range == "100"


def test_a_thousands_point_never_makes_a_flag():
    # '1.000' is one thousand here, not one: 370 in 200-1.000 is inside its range
    (monocytes,) = [r for r in parse_labs(DIFFERENTIAL) if r.value == "370"]
    assert monocytes.flag is None
    assert derive_flag("1.574", "1.000-3.000") is None
    assert derive_flag("1.036", "1.005-1.030") == "H"  # a specific gravity reads alike both ways
    assert derive_flag("0.045", "0.1-0.5") == "L"  # '0.045' cannot be a thousands group


def test_a_paired_line_needs_both_ranges_and_both_units():
    assert parse_labs("Neutrófilos    77,7    7.366    40,0 a 80,0   1.800 a 7.800 /µL") == []
    assert parse_labs("Patient 12 34 5-6 % 7-8 %") == []


# hl7_labcorp_ana_multiple_ranges.pdf: a qualitative result, its range over three lines
ANA = (
    "TESTS                          RESULT       FLAG      UNITS      REFERENCE INTERVAL    LAB\n"
    "Antinuclear Antibodies, IFA    Negative                                                01\n"
    "                                                              Negative   <1:80\n"
    "                                                              Borderline 1:80\n"
    "                                                              Positive   >1:80\n"
    "SPACE\n"
)


def test_a_qualitative_result_and_its_range_over_several_lines():
    (ana,) = parse_labs(ANA)
    assert (ana.test, ana.value, ana.flag) == ("Antinuclear Antibodies, IFA", "Negative", None)
    assert ana.reference_range == "Negative <1:80; Borderline 1:80; Positive >1:80"


def test_lines_below_a_result_that_are_not_a_range_stay_apart():
    text = ANA.replace("Borderline 1:80", "See interpretation chart")
    (ana,) = parse_labs(text)
    assert ana.reference_range == "Negative <1:80"


# jsl_caris_molecular_report_scanned.pdf: a molecular report's summary table
BIOMARKERS = (
    "BIOMARKER                      METHOD    RESULT            CLINICAL INTERPRETATION\n"
    "EGFR (SNVs/Indels)             NGS       Negative          No clinically significant EGFR\n"
    "KRAS                           NGS       p.G12C Detected   Actionable mutation detected\n"
    "PD-L1 (22C3) TPS               IHC       65%               High PD-L1 expression\n"
    "Tumor Mutational Burden        WES       12 mut/Mb         High\n"
    "Microsatellite Instability     NGS       Stable (MSS)      No evidence of MSI\n"
    "Homologous Recombination Def   NGS       Megalive          HRD not detected\n"
)


def test_biomarker_results_as_printed():
    found = {r.test: r for r in parse_labs(BIOMARKERS)}
    assert found["KRAS"].value == "p.G12C Detected"
    assert found["EGFR (SNVs/Indels)"].value == "Negative"
    assert found["PD-L1 (22C3) TPS"].value == "65%"
    assert found["Tumor Mutational Burden"].value == "12 mut/Mb"
    assert found["Microsatellite Instability"].value == "Stable (MSS)"
    assert all(r.unit is None and r.flag is None for r in found.values())
    assert "Homologous Recombination Def" not in found  # an OCR-damaged call is left out
    assert len(found) == 5


# tsilva_chporto_2023_cumulative_adobescan.pdf: a cumulative report ('Histórico'), its text
# layer from a phone scan: superscripts flattened ('x10 3/uL'), some units damaged
CUMULATIVE = (
    "Relatório inal      Resultado/ Unldades   Valores de Referencla   Histórlco\n"
    "                                                                06-04-2021  16-07-2019\n"
    "Neutrofilos         3,49 x10 3/uL         2,00-7,50               3 75        3,41\n"
    "Linfocitos          1,36 x103/L           1,50-4,00               ,32         1,05\n"
    "Monócitos           0,52 x10 3/4L         0,20-0,80               0,33        0,45\n"
    "HEMATÓCRITO         40,9 %                40,0-50,0               36,6        39,0\n"
    "PLAQUETAS           287 x10 3/uL          150-400                 298         312\n"
)


def test_a_cumulative_reports_earlier_results_are_not_read():
    found = {r.test: r for r in parse_labs(CUMULATIVE)}
    assert (found["Neutrofilos"].value, found["Neutrofilos"].unit) == ("3,49", "x10^3/uL")
    assert found["PLAQUETAS"].reference_range == "150-400"
    assert found["HEMATÓCRITO"].value == "40,9"
    assert sorted(found) == ["HEMATÓCRITO", "Neutrofilos", "PLAQUETAS"]  # damaged units left out


def test_trailing_numbers_without_a_history_column_are_not_a_result():
    assert parse_labs("PLAQUETAS    287 x10 3/uL    150-400    298    312") == []


# hu_synlab_budapest_2023_stool_calprotectin.pdf and _2024_cbc_chem.pdf: interpretive lines
# under a result, and a '-' (below range) mark between value and range
def test_interpretive_lines_and_a_mark_before_the_range_are_not_results():
    found = parse_labs(
        "Széklet kalprotektin, kvantitativ      79.1      +         < 50.0      ug/g\n"
        "                        Negatív : < 50.0 µg/g\n"
        "                        Gyengén pozitív : 50.0 - 200.0 µg/g\n"
        "                        Pozitív : > 200.0 µg/g\n"
        "Transzferrin                           1.98      -         2.00 - 3.60       g/L\n"
    )
    assert [(r.test, r.value) for r in found] == [("Széklet kalprotektin, kvantitativ", "79.1")]


def test_a_damaged_unit_in_the_test_name_leaves_the_result_out():
    # tsilva_ordem_trindade_porto_2001_scanned.pdf, OCR of 'Eritrocitos (x10^12/L)'
    assert parse_labs("Eritrocitos (x10 712/L)     4.24     4.5 a 5.9") == []
    (glucose,) = parse_labs("GLICOSE -jejum- (mg/dl)     97     70 a 110")
    assert glucose.unit == "mg/dL"
