# intake: two commands do all set-up on a fresh machine:
#   make packet   generate the sample records and write their packets to packets/
#   make test     run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SAMPLES := samples/generated
PACKETS := packets

.PHONY: packet test bench bench-real lint samples tesseract fonts clean

$(BIN)/intake: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

OCR_LANGS := por hun spa deu fra ita  # Tesseract's models for the languages intake knows
tesseract:
	@command -v tesseract >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Tesseract OCR: apt-get install tesseract-ocr"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr >/dev/null; \
	  else \
	    echo "intake needs Tesseract OCR. Install it with:"; \
	    echo "  sudo apt-get install tesseract-ocr   (Debian, Ubuntu)"; \
	    echo "  brew install tesseract              (macOS)"; \
	    exit 1; \
	  fi; }
	@missing=""; for lang in $(OCR_LANGS); do \
	  tesseract --list-langs 2>/dev/null | grep -qx "$$lang" || missing="$$missing tesseract-ocr-$$lang"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Tesseract's language models:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Optional: Tesseract reads accents of other languages with their models:"; \
	    echo "  sudo apt-get install$$missing   (Debian, Ubuntu; brew install tesseract-lang on macOS)"; \
	  fi; \
	fi

samples: $(BIN)/intake
	$(BIN)/python samples/make_samples.py $(SAMPLES)

packet: $(BIN)/intake tesseract fonts samples
	@for folder in $(SAMPLES)/*/; do \
	  name=$$(basename "$$folder"); \
	  echo "== $$name"; \
	  $(BIN)/intake packet "$$folder" -o "$(PACKETS)/$$name" --force --silent; \
	  code=$$?; if [ $$code -ne 0 ] && [ $$code -ne 5 ]; then exit $$code; fi; \
	done; \
	echo "Packets written: open $(PACKETS)/<patient>/INDEX.HTM"

# Unicode fonts for PACKET.PDF's own pages: DejaVu Sans, and a TrueType CJK font
# (WenQuanYi Micro Hei: Noto CJK's CFF outlines cannot be embedded by reportlab)
fonts:
	@[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] && [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing fonts: apt-get install fonts-dejavu-core fonts-wqy-microhei"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core fonts-wqy-microhei >/dev/null; \
	  else \
	    echo "PACKET.PDF shows names in any script with these fonts installed:"; \
	    echo "  sudo apt-get install fonts-dejavu-core fonts-wqy-microhei   (Debian, Ubuntu)"; \
	  fi; }

test: $(BIN)/intake tesseract fonts
	@bash .ci/test-tools  # qpdf, poppler-utils, dicom3tools, chromium: apt-get when root
	$(BIN)/python -m pytest

bench: $(BIN)/intake tesseract
	$(BIN)/python bench/run.py

# scores intake on the real-world corpus (corpus/README.md says where its files live)
bench-real: $(BIN)/intake tesseract
	@command -v pdftotext >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq poppler-utils >/dev/null; } || true
	$(BIN)/python bench/real.py

lint: $(BIN)/intake
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(SAMPLES) $(PACKETS) .pytest_cache .ruff_cache
