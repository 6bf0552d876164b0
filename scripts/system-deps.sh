#!/usr/bin/env bash
# Install the system packages the app needs, when they are missing.
#   scripts/system-deps.sh app       CJK fonts and HarfBuzz subsetting (Chinese PDFs)
#   scripts/system-deps.sh browser   + Debian's chromium (browser tests) and poppler-utils
# As root it installs with apt-get; otherwise it prints the exact command and fails.
set -euo pipefail
want=()
fc-list :lang=zh family 2>/dev/null | grep -qi "Noto Sans CJK" || want+=(fonts-noto-cjk)
ldconfig -p 2>/dev/null | grep -q "libharfbuzz-subset.so.0" || want+=(libharfbuzz-subset0)
ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so.0" || want+=(libpango-1.0-0 libpangoft2-1.0-0)
if [[ "${1:-app}" == "browser" ]]; then
  [[ -x /usr/bin/chromium ]] || want+=(chromium)
  command -v pdftotext >/dev/null || want+=(poppler-utils)
fi
((${#want[@]})) || exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${want[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
  fc-cache -f >/dev/null 2>&1 || true
else
  echo "Missing system packages. Install them with:" >&2
  echo "  sudo apt-get install --no-install-recommends ${want[*]}" >&2
  exit 1
fi
