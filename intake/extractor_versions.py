"""The shipped extractors' names and versions, readable without importing any parser: a run
served from the cache needs them for its key, and nothing else of the extractors.

Bump a version when that extractor's output changes, so cached results are read again.
"""

VERSIONS: dict[str, str] = {
    "pdf": "17",
    "dicom": "5",
    "image": "12",
    "ccda": "18",
    "fhir": "10",
    "text": "7",
}
