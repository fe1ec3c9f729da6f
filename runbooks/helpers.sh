# shellcheck shell=sh
# Shell helpers for the handoff runbooks. Source them once per shell, from the repository root:
#
#   . runbooks/helpers.sh
#
# Works in bash, zsh and dash. Needs AWS CLI v2 and curl 7.75 or newer (for --aws-sigv4).
# Reads STAGE and AWS_REGION. Never prints or passes secrets on a command line: credentials go
# to curl on its standard input, so they do not show up in `ps` or in shell history.

# The status API's base URL for $STAGE, without a trailing slash. Set HANDOFF_STATUS_API to
# override it (for example for the local layer); otherwise it is read once from the core stack's
# output StatusApiUrl and remembered for this shell and stage.
handoff_status_api_url() {
  _handoff_resolve_api || return $?
  printf '%s\n' "$HANDOFF_STATUS_API"
}

_handoff_resolve_api() {
  if [ -n "${HANDOFF_STATUS_API:-}" ] && { [ -z "${_HANDOFF_STATUS_API_STAGE:-}" ] || [ "${_HANDOFF_STATUS_API_STAGE}" = "${STAGE:-}" ]; }; then
    HANDOFF_STATUS_API=${HANDOFF_STATUS_API%/}
    return 0
  fi
  if [ -z "${STAGE:-}" ]; then
    echo 'handoff: set STAGE first, e.g. STAGE=prod' >&2
    return 2
  fi
  _handoff_url=$(aws cloudformation describe-stacks --stack-name "handoff-$STAGE-core" \
    --query "Stacks[0].Outputs[?OutputKey=='StatusApiUrl'].OutputValue" --output text) || return 1
  case $_handoff_url in
    http://* | https://*) ;;
    *)
      echo "handoff: stack handoff-$STAGE-core has no StatusApiUrl output; is the stage deployed in this account and region?" >&2
      return 1
      ;;
  esac
  HANDOFF_STATUS_API=${_handoff_url%/}
  _HANDOFF_STATUS_API_STAGE=$STAGE
}

# Calls the status API with your AWS credentials, signed with SigV4 for execute-api:
#   handoff_api /v1/contracts
#   handoff_api "/v1/incidents/$INCIDENT/notes" -X POST -H 'content-type: application/json' --data '{"text":"..."}'
# Prints the JSON answer (pretty-printed when node is available).
handoff_api() {
  if [ -z "${1:-}" ]; then
    echo 'usage: handoff_api /v1/... [curl options]' >&2
    return 2
  fi
  _handoff_path=$1
  shift
  _handoff_region=${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region 2>/dev/null)}}
  if [ -z "$_handoff_region" ]; then
    echo 'handoff: set AWS_REGION first, e.g. export AWS_REGION=eu-west-1' >&2
    return 2
  fi
  _handoff_resolve_api || return $?
  # Held in a shell variable (never exported, never on a command line) and dropped right after.
  if ! _handoff_creds=$(aws configure export-credentials --format env-no-export 2>/dev/null) || [ -z "$_handoff_creds" ]; then
    echo 'handoff: no AWS credentials; log in first (for example: aws sso login)' >&2
    return 1
  fi
  printf '%s\n' "$_handoff_creds" | awk '
    { eq = index($0, "="); if (eq == 0) next; name = substr($0, 1, eq - 1); value = substr($0, eq + 1) }
    name == "AWS_ACCESS_KEY_ID" { id = value }
    name == "AWS_SECRET_ACCESS_KEY" { secret = value }
    name == "AWS_SESSION_TOKEN" { token = value }
    END {
      printf "user = \"%s:%s\"\n", id, secret
      if (token != "") printf "header = \"x-amz-security-token: %s\"\n", token
    }' | curl -sS -K - --aws-sigv4 "aws:amz:${_handoff_region}:execute-api" "$@" "${HANDOFF_STATUS_API}${_handoff_path}" |
    _handoff_pretty
  _handoff_status=$?
  unset _handoff_creds
  return $_handoff_status
}

# Runs a CloudWatch Logs Insights query over the last MINUTES (default 60) and prints a header line
# and one tab-separated row per result:
#   insights "/aws/lambda/handoff-$STAGE-$CONTRACT" 'filter level = "ERROR" | stats count(*) by error.name' [MINUTES]
# It polls every HANDOFF_POLL_SECONDS (default 2) until the query is done.
insights() {
  if [ $# -lt 2 ]; then
    echo "usage: insights LOG_GROUP 'QUERY' [MINUTES, default 60]" >&2
    return 2
  fi
  _handoff_end=$(date +%s)
  _handoff_id=$(aws logs start-query --log-group-name "$1" \
    --start-time $((_handoff_end - ${3:-60} * 60)) --end-time "$_handoff_end" \
    --query-string "$2" --query queryId --output text) || return 1
  while :; do
    _handoff_state=$(aws logs get-query-results --query-id "$_handoff_id" --query status --output text) || return 1
    case $_handoff_state in
      Scheduled | Running) sleep "${HANDOFF_POLL_SECONDS:-2}" ;;
      *) break ;;
    esac
  done
  if [ "$_handoff_state" != Complete ]; then
    echo "handoff: the query ended as $_handoff_state" >&2
    return 1
  fi
  aws logs get-query-results --query-id "$_handoff_id" \
    --query 'results[0][?field!=`"@ptr"`].field' --output text
  aws logs get-query-results --query-id "$_handoff_id" \
    --query 'results[*][?field!=`"@ptr"`].value' --output text
}

_handoff_pretty() {
  if command -v node >/dev/null 2>&1; then
    node -e '
      let s = "";
      process.stdin.on("data", (d) => (s += d)).on("end", () => {
        try { console.log(JSON.stringify(JSON.parse(s), null, 2)); } catch { if (s) console.log(s); }
      });'
  else
    cat
    echo
  fi
}
