"""HL7 C-CDA documents: header, sections by LOINC code or templateId, and their entries."""

from intake.cda.read import CdaDocument, Section, read_cda

__all__ = ["CdaDocument", "Section", "read_cda"]
