#!/usr/bin/env bash
# The seed's two X-Ray commands (group "Cruddur", then the sampling rule from aws/JSON/xray.json), aimed
# at Honeyray's X-Ray API instead of AWS. Run before the traffic, as the seed does:
#   examples/cruddur/bin/xray-setup.sh                 # Honeyray's X-Ray port on 127.0.0.1:2000
#   XRAY_ENDPOINT=http://127.0.0.1:2001 examples/cruddur/bin/xray-setup.sh
# Honeyray checks no signature, so any credentials do; the ones already in your environment win.
set -euo pipefail
cd "$(dirname "$0")/.."
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-honeyray}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-honeyray}"
export AWS_REGION="${AWS_REGION:-us-east-1}" AWS_PAGER=""
ENDPOINT="${XRAY_ENDPOINT:-http://127.0.0.1:2000}"

aws xray create-group --endpoint-url "$ENDPOINT" \
   --group-name "Cruddur" \
   --filter-expression "service(\"backend-flask\")"

aws xray create-sampling-rule --endpoint-url "$ENDPOINT" --cli-input-json file://aws/JSON/xray.json
