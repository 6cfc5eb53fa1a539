"""Format-free understanding: text in, meaning out (kinds, dates, people, labs, medications).

Nothing here knows whether the text came from a PDF, an OCR'd photo or a C-CDA.
"""
