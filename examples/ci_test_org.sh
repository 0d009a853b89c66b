#!/usr/bin/env bash
# An ephemeral sandbox org for one CI run: create it, wait until it is ready, run the test step
# against it, and ALWAYS delete it (a trap on EXIT, INT and TERM), whatever happened before.
# Needs bash, curl and jq.
#
#   CP_URL=https://cp.moleculesai.app CP_KEY=$MOLECULE_CI_KEY examples/ci_test_org.sh
#
# CP_URL, CP_KEY      required; the key needs orgs:create, orgs:list and orgs:delete
# CP_TEST_COMMAND     the test step, run by bash with ORG_ID, ORG_SLUG and LOGIN_URL exported
#                     (default: a placeholder that prints them)
# CP_RUN_ID           unique per run (default: GitHub's run id and attempt, GitLab's pipeline and
#                     job id, else random): the org's slug is ci-<run id>, its external_id too
# CP_TTL_SECONDS      how long the org lives if this script never gets to delete it (default 3600)
# CP_READY_TIMEOUT    seconds to wait for ready (default 300)
#
# Exit status: the test step's when it fails; 1 when the org cannot be created, fails, is not
# ready in time or cannot be deleted; 2 on bad configuration (a variable, curl or jq missing).
set -euo pipefail

log() { printf 'ci_test_org: %s\n' "$*" >&2; }
die() { log "$2"; exit "$1"; }

[ -n "${CP_URL:-}" ] || die 2 "CP_URL is not set: the control plane's address, e.g. https://cp.moleculesai.app"
[ -n "${CP_KEY:-}" ] || die 2 "CP_KEY is not set: a partner key with orgs:create, orgs:list and orgs:delete (from your CI secrets)"
command -v curl >/dev/null || die 2 "curl is not installed"
command -v jq >/dev/null || die 2 "jq is not installed (apt-get install jq, brew install jq)"

BASE=${CP_URL%/}
RUN_ID=${CP_RUN_ID:-${GITHUB_RUN_ID:+$GITHUB_RUN_ID-${GITHUB_RUN_ATTEMPT:-1}}}
RUN_ID=${RUN_ID:-${CI_PIPELINE_ID:+$CI_PIPELINE_ID-${CI_JOB_ID:-0}}}
RUN_ID=${RUN_ID:-$(date +%s)-$RANDOM}
# A slug is 3-63 characters of a-z, 0-9 and '-', not starting or ending with '-'.
ORG_SLUG=$(printf 'ci-%s' "$RUN_ID" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9-' '-' | cut -c1-63 | sed 's/-*$//')
TTL=${CP_TTL_SECONDS:-3600}
READY_TIMEOUT=${CP_READY_TIMEOUT:-300}
WORK=$(mktemp -d)
ORG_ID=""

# api METHOD PATH [JSON BODY] [IDEMPOTENCY KEY]: the response body on stdout, its headers in
# $WORK/headers. curl retries 429, 5xx and dropped connections with backoff, honouring
# Retry-After; a POST is only sent with an Idempotency-Key, so its retries are safe. Any 4xx/5xx
# left after that prints the error envelope and fails.
api() {
  local method=$1 path=$2 body=${3:-} idempotency_key=${4:-} code
  local args=(-sS --retry 4 --retry-max-time 120 --connect-timeout 10 --max-time 30
    -X "$method" -H "Authorization: Bearer $CP_KEY" -D "$WORK/headers" -o "$WORK/body"
    -w '%{http_code}')
  [ -z "$body" ] || args+=(-H 'Content-Type: application/json' --data-binary "$body")
  [ -z "$idempotency_key" ] || args+=(-H "Idempotency-Key: $idempotency_key")
  code=$(curl "${args[@]}" "$BASE$path") || {
    code=$?  # 6, 7: never connected; anything else: sent, maybe done, but no answer
    [ "$code" -eq 6 ] || [ "$code" -eq 7 ] || touch "$WORK/unanswered"
    log "$method $path: no answer from $BASE (curl exit status $code)"
    return 1
  }
  if [ "$code" -ge 400 ]; then
    log "$method $path → $code $(jq -r '.error | "\(.code): \(.message) (request id \(.request_id))"' "$WORK/body" 2>/dev/null || cat "$WORK/body")"
    return 1
  fi
  cat "$WORK/body"
}

retry_after() {  # the last response's Retry-After in seconds (2 when it has none)
  tr -d '\r' <"$WORK/headers" | awk -F': ' 'tolower($1) == "retry-after" { s = $2 } END { print (s ? s : 2) }'
}

teardown() {
  local rc=$? ids
  trap - EXIT INT TERM
  # The create's answer was lost (it may still have created the org): find it by external_id.
  if [ -z "$ORG_ID" ] && [ -e "$WORK/unanswered" ]; then
    ids=$(api GET "/cp/orgs?external_id=$ORG_SLUG&status=provisioning,ready,failed" | jq -r '.data[].id' || true)
  else
    ids=$ORG_ID
  fi
  for id in $ids; do
    if status=$(api DELETE "/cp/orgs/$id" | jq -r .status); then
      log "deleted $id ($status; billing stopped, the worker removes the rest)"
    else
      log "could not delete $id: its ttl_seconds ($TTL s) deprovisions it anyway"
      [ "$rc" -ne 0 ] || rc=1
    fi
  done
  rm -rf "$WORK"
  exit "$rc"
}
trap teardown EXIT
TEST_PID=""
stop() {  # a canceled job: stop the test step, then the EXIT trap deletes the org
  log "$1"
  [ -z "$TEST_PID" ] || kill "$TEST_PID" 2>/dev/null || true
  exit "$2"
}
trap 'stop interrupted 130' INT
trap 'stop terminated 143' TERM

body=$(jq -nc --arg slug "$ORG_SLUG" --argjson ttl "$TTL" \
  '{name: "CI \($slug)", slug: $slug, plan: "standard", sandbox: true, ttl_seconds: $ttl, external_id: $slug}')
ORG_ID=$(api POST /cp/orgs "$body" "ci-org-$ORG_SLUG" | jq -r .id) || die 1 "could not create the org"
log "created $ORG_ID ($ORG_SLUG, sandbox, ttl ${TTL}s)"

deadline=$((SECONDS + READY_TIMEOUT))
while :; do
  status=$(api GET "/cp/orgs/$ORG_ID/status") || die 1 "could not read the status of $ORG_ID"
  case $(jq -r .status <<<"$status") in
    ready) break ;;
    failed) die 1 "provisioning $ORG_ID failed: $(jq -r .error <<<"$status")" ;;
  esac
  [ "$SECONDS" -lt "$deadline" ] || die 1 "$ORG_ID not ready after ${READY_TIMEOUT}s"
  sleep "$(retry_after)"
done
LOGIN_URL=$(jq -r .login_url <<<"$status")
export ORG_ID ORG_SLUG LOGIN_URL
log "ready: $LOGIN_URL"

# In the background, so that a cancel (INT, TERM) is handled at once, not when the step ends.
bash -c "${CP_TEST_COMMAND:-echo \"placeholder test step: test against \$LOGIN_URL (org \$ORG_ID)\"}" &
TEST_PID=$!
test_rc=0
wait "$TEST_PID" || test_rc=$?
TEST_PID=""
if [ "$test_rc" -ne 0 ]; then
  die "$test_rc" "the test step failed with exit status $test_rc"
fi
log "the test step passed"
