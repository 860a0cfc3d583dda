#!/usr/bin/env bash
# Build, test and deploy the xapi-etl Lambda package. Run from anywhere; see --help.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROG="deploy/deploy.sh"

usage() {
  cat <<EOF
Usage: $PROG [--test | --deploy FUNCTION_NAME [--code-bucket BUCKET] [--skip-migrate] | --upload BUCKET]

Builds the Lambda package: one minified ESM bundle (index.mjs, source map, migrations/) in a
deterministic zip named by its content hash, build/xapi-etl-processor-<sha256>.zip.

  (no option)                build the zip and print its path
  --test                     build, then run the BUILT bundle's handler on every examples/*.json
                             payload against the embedded engine (chDB) and a local S3 (s3rver)
  --deploy FUNCTION_NAME     build, migrate the ClickHouse schema, replace the code of an existing Lambda
                             function (e.g. xapi-etl-processor-dev, the stack's FunctionName output), publish
                             it as a version and move the alias the triggers invoke (live) to it, then
                             migrate again: the loads the old code made meanwhile are caught up. The
                             migrations run from here, against CLICKHOUSE_HOST (and _PORT, _DATABASE,
                             _USERNAME, _PASSWORD or _PASSWORD_SECRET_ARN, _CLUSTER) of this shell: the
                             ClickHouse the function uses. New code never meets an older schema.
  --skip-migrate             with --deploy: do not migrate (you ran \`xapi-etl migrate\` yourself)
  --code-bucket BUCKET       with --deploy: upload the zip to s3://BUCKET/xapi-etl/ and deploy from there
  --upload BUCKET            build and upload the zip to s3://BUCKET/xapi-etl/; prints the key to pass
                             to the CloudFormation stack as CodeS3Key
  -h, --help                 show this help

Deploying needs the AWS CLI and credentials (AWS_PROFILE, AWS_REGION, ...); building and --test do not.
--deploy replaces only the code: the function's settings, the key layout among them (XAPI_KEY_LAYOUT,
XAPI_SECTION_POINTER, XAPI_STATEMENT_FIELD, XAPI_ASPECTS_TABLE), are parameters of the CloudFormation stack
(KeyLayout, KeyPrefix, KeySuffixes, SectionPointer, StatementField, AspectsTable: deploy/README.md).
A migration that moves the raw tables pauses loads while it runs: loads meanwhile fail with an error that
is retried (docs/operations.md, "Upgrades").
EOF
}

die() {
  echo "$PROG: $*" >&2
  exit 1
}

MODE=build
FUNCTION_NAME=""
# The alias the stack's triggers invoke (deploy/cloudformation.yaml, ProcessorAlias).
ALIAS="${XAPI_ETL_ALIAS:-live}"
CODE_BUCKET=""
MIGRATE=yes
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --test) MODE=test ;;
    --deploy)
      [[ $# -ge 2 && -n "$2" && "$2" != -* ]] || die "--deploy needs a FUNCTION_NAME (see --help)"
      MODE=deploy; FUNCTION_NAME="$2"; shift ;;
    --code-bucket)
      [[ $# -ge 2 && -n "$2" && "$2" != -* ]] || die "--code-bucket needs a BUCKET"
      CODE_BUCKET="$2"; shift ;;
    --skip-migrate) MIGRATE=no ;;
    --upload)
      [[ $# -ge 2 && -n "$2" && "$2" != -* ]] || die "--upload needs a BUCKET"
      MODE=upload; CODE_BUCKET="$2"; shift ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
  shift
done
if [[ -n "$CODE_BUCKET" && "$MODE" != deploy && "$MODE" != upload ]]; then
  die "--code-bucket goes with --deploy"
fi
if [[ "$MIGRATE" == no && "$MODE" != deploy ]]; then
  die "--skip-migrate goes with --deploy"
fi

command -v node >/dev/null 2>&1 || die "node is not installed (Node.js 20 or newer is needed to build)"
[[ -d "$ROOT/node_modules/esbuild" ]] || die "dependencies are missing: run \`npm ci\` in $ROOT first"

require_aws() {
  command -v aws >/dev/null 2>&1 ||
    die "the AWS CLI (aws) is not installed: see https://docs.aws.amazon.com/cli/ — building and --test work without it"
  local identity
  if ! identity="$(aws sts get-caller-identity --query Arn --output text 2>&1)"; then
    die "no usable AWS credentials (${identity//$'\n'/ }). Configure them (aws configure, AWS_PROFILE, or SSO login) and retry."
  fi
  echo "AWS identity: $identity" >&2
}

build() {
  echo "Building the Lambda package..." >&2
  ZIP="$(cd "$ROOT" && node scripts/build-lambda.mjs)"
  [[ -f "$ZIP" ]] || die "the build did not produce a zip"
}

# The schema first, with this version's CLI: the old code keeps working on it (every migration keeps the
# previous version's loads working), and the new code never meets an older schema.
migrate_schema() {
  [[ "$MIGRATE" == yes ]] || { echo "Not migrating (--skip-migrate)." >&2; return; }
  [[ -n "${CLICKHOUSE_HOST:-}" ]] ||
    die "set CLICKHOUSE_HOST (and the other CLICKHOUSE_* the function uses) to migrate its schema, or pass --skip-migrate"
  # The CLI runs from dist/: compiled again when src/ changed since (npm ci compiles it once).
  if [[ ! -f "$ROOT/dist/cli/main.js" || -n "$(find "$ROOT/src" -newer "$ROOT/dist/cli/main.js" -name '*.ts' -print -quit)" ]]; then
    (cd "$ROOT" && npm run --silent build) || die "npm run build failed"
  fi
  echo "Migrating the schema of $CLICKHOUSE_HOST ($1) ..." >&2
  node "$ROOT/bin/xapi-etl.js" migrate >&2 || die "xapi-etl migrate failed: the code was not updated"
}

upload() {
  S3_KEY="xapi-etl/$(basename "$ZIP")"
  echo "Uploading to s3://$CODE_BUCKET/$S3_KEY ..." >&2
  aws s3 cp "$ZIP" "s3://$CODE_BUCKET/$S3_KEY" --only-show-errors >&2 || die "upload to s3://$CODE_BUCKET failed"
}

case "$MODE" in
  build)
    build
    echo "$ZIP"
    ;;
  test)
    build
    # The driver uses the compiled CLI (migrate) and the local S3 from dist/.
    echo "Compiling dist/ for the local S3 and the migrate command..." >&2
    # The CLI runs from dist/: compiled again when src/ changed since (npm ci compiles it once).
  if [[ ! -f "$ROOT/dist/cli/main.js" || -n "$(find "$ROOT/src" -newer "$ROOT/dist/cli/main.js" -name '*.ts' -print -quit)" ]]; then
    (cd "$ROOT" && npm run --silent build) || die "npm run build failed"
  fi
    (cd "$ROOT" && node deploy/test-bundle.mjs "$ZIP")
    ;;
  upload)
    require_aws
    build
    upload
    echo "Pass to CloudFormation: CodeS3Bucket=$CODE_BUCKET CodeS3Key=$S3_KEY" >&2
    echo "$S3_KEY"
    ;;
  deploy)
    require_aws
    build
    if [[ -n "$CODE_BUCKET" ]]; then
      upload
      source_args=(--s3-bucket "$CODE_BUCKET" --s3-key "$S3_KEY")
    else
      source_args=(--zip-file "fileb://$ZIP")
    fi
    migrate_schema "before the code"
    echo "Updating the code of $FUNCTION_NAME ..." >&2
    read -r deployed_sha version < <(aws lambda update-function-code --function-name "$FUNCTION_NAME" \
      "${source_args[@]}" --publish --query '[CodeSha256, Version]' --output text) ||
      die "update-function-code failed for $FUNCTION_NAME"
    aws lambda wait function-updated --function-name "$FUNCTION_NAME" ||
      die "$FUNCTION_NAME did not finish updating (see its Last update status in the console)"
    local_sha="$(node -e 'const c=require("node:crypto"),f=require("node:fs");process.stdout.write(c.createHash("sha256").update(f.readFileSync(process.argv[1])).digest("base64"))' "$ZIP")"
    [[ "$deployed_sha" == "$local_sha" ]] ||
      die "Lambda reports CodeSha256 $deployed_sha, the zip is $local_sha: the code was not replaced"
    [[ -n "${version:-}" ]] || die "update-function-code published no version of $FUNCTION_NAME"
    # The triggers invoke the alias: it moves to the new version (roll back by moving it back).
    aws lambda update-alias --function-name "$FUNCTION_NAME" --name "$ALIAS" --function-version "$version" \
      --output text --query AliasArn >/dev/null || die "could not move alias $ALIAS of $FUNCTION_NAME to version $version"
    echo "Deployed $(basename "$ZIP") to $FUNCTION_NAME version $version, alias $ALIAS (CodeSha256 $deployed_sha)." >&2
    migrate_schema "after the code: catching up what the old code loaded meanwhile"
    ;;
esac
